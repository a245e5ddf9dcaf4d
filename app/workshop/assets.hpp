// What `cimsim workshop` serves, embedded at build time by cmake/embed_files.cmake: browser libraries
// from npm (package.json, pinned by package-lock.json) and the page itself (page/).
#pragma once

#include <string_view>
#include <vector>

namespace cimsim::workshop {

struct Asset {
  enum class Kind { library, page, style, app, join };
  std::string_view name;  // npm package@version, or the page file's name
  Kind kind;
  std::string_view text;
};

// Libraries in load order, then the page, its style and its script.
const std::vector<Asset>& assets();

}  // namespace cimsim::workshop
