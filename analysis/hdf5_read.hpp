// Small reader for cimsim output files, used by tests and by the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cimsim::h5 {

struct Dataset {
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // converted to double, row-major
};

// Reads a numeric dataset (any integer or floating type) as doubles.
Dataset read_numeric(const std::string& file, const std::string& name);
// Reads a string dataset (variable-length or fixed) of any rank, row-major.
std::vector<std::string> read_strings(const std::string& file, const std::string& name);
// Reads a string attribute of the root group (obj == "/") or of a dataset.
std::string read_string_attribute(const std::string& file, const std::string& obj, const std::string& attr);
bool has_attribute(const std::string& file, const std::string& obj, const std::string& attr);
std::vector<std::string> dataset_names(const std::string& file);
// Raw bytes of a dataset's data in its file type's memory representation; for comparing
// runs bit for bit (numeric datasets only).
std::vector<unsigned char> read_raw(const std::string& file, const std::string& name);

}  // namespace cimsim::h5
