// The report's runner: the network picture of `cimsim report`, drawn by re-running one run of
// the output file (see network_picture.cpp). The CLI hands it to report::Options::draw_network.
#pragma once

#include "analysis/report/report.hpp"

#include <string>
#include <vector>

namespace cimsim::app {

// The network picture of the run of `scenario` whose final outcome is closest to the scenario's
// median, re-run from the file's configuration and seed up to the given years.
report::NetworkPicture network_picture(const std::string& file, const std::string& scenario,
                                       const std::vector<double>& years, std::size_t max_citizens);

}  // namespace cimsim::app
