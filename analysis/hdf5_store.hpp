// Stores analysis results inside an existing cimsim output file, under /analysis/<group>
// (README.md, "The output file").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cimsim::h5 {

// A numeric table stored next to the JSON, e.g. the differences as plain numbers.
struct NumericTable {
  std::string name;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // row-major
  std::string long_name;
};

// Writes group /analysis/<name> into `file`: a scalar string dataset `json`, the tables, and
// text attributes on the group; an existing /analysis/<name> is replaced, nothing else in the
// file is touched. Safe: the work is done on a copy beside the file, which then replaces it by
// rename, so a failure leaves the original file as it was. Throws InputError if the file cannot
// be written.
void store_analysis(const std::string& file, const std::string& name, const std::string& json,
                    const std::vector<NumericTable>& tables, const std::map<std::string, std::string>& attributes);

}  // namespace cimsim::h5
