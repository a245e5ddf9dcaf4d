// The charting libraries inlined into every report (Vega, Vega-Lite, vega-embed from npm,
// embedded at build time by cmake/embed_files.cmake), in the order they must be loaded.
#pragma once

#include <string_view>
#include <vector>

namespace cimsim::report {

struct Asset {
  std::string_view name;  // npm package and version, e.g. "vega@6.4.0"
  std::string_view js;    // minified UMD bundle
};

const std::vector<Asset>& assets();

}  // namespace cimsim::report
