// Small HDF5 reader for cimsim output files (tests, CLI). See hdf5_read.hpp.
#include "analysis/hdf5_read.hpp"

#include "analysis/hdf5_handle.hpp"
#include "engine/error.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cimsim::h5 {
namespace {

using h5detail::Handle;
using h5detail::hdf5_detail;


// A file that exists but cannot be read as expected is damaged or not what the command needs:
// bad input (exit 2), named by its path, with HDF5's own reason in brackets.
[[noreturn]] void fail(const std::string& file, const std::string& what) {
  const std::string detail = hdf5_detail();
  throw InputError(file, "", what + (detail.empty() ? "" : " (" + detail + ")"));
}

hid_t check(hid_t id, const std::string& file, const std::string& what) {
  if (id < 0) fail(file, what);
  return id;
}

void check_rc(herr_t rc, const std::string& file, const std::string& what) {
  if (rc < 0) fail(file, what);
}

Handle open_file(const std::string& file) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return Handle(check(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), file, "cannot open the file"), H5Fclose);
}

Handle open_dataset(hid_t f, const std::string& file, const std::string& name) {
  return Handle(check(H5Dopen2(f, name.c_str(), H5P_DEFAULT), file, "cannot open dataset '" + name + "'"), H5Dclose);
}

bool is_numeric(hid_t type) {
  const H5T_class_t c = H5Tget_class(type);
  return c == H5T_INTEGER || c == H5T_FLOAT;
}

// Releases variable-length strings that HDF5 allocated for a read.
void reclaim(hid_t mem_type, hid_t space, void* buf) {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(mem_type, space, H5P_DEFAULT, buf);
#else
  H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, buf);
#endif
}

// Strings of a dataset or attribute of `type` over `space`, read by `read(mem_type, buf)`.
std::vector<std::string> read_string_data(hid_t type, hid_t space, const std::string& file, const std::string& what,
                                          const std::function<herr_t(hid_t, void*)>& read) {
  if (H5Tget_class(type) != H5T_STRING) throw InputError(file, "", what + " is not a string");
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail(file, "cannot get the size of " + what);
  const auto n = static_cast<std::size_t>(points);
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) fail(file, "cannot inspect the type of " + what);
  if (variable > 0) {
    Handle mem(check(H5Tcopy(H5T_C_S1), file, "cannot read " + what), H5Tclose);
    check_rc(H5Tset_size(mem.get(), H5T_VARIABLE), file, "cannot read " + what);
    check_rc(H5Tset_cset(mem.get(), H5Tget_cset(type)), file, "cannot read " + what);
    std::vector<char*> ptrs(n, nullptr);
    check_rc(read(mem.get(), ptrs.data()), file, "cannot read " + what);
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    reclaim(mem.get(), space, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(type);
    if (size == 0) fail(file, "cannot inspect the type of " + what);
    Handle mem(check(H5Tcopy(type), file, "cannot read " + what), H5Tclose);
    std::vector<char> buf(n * size);
    check_rc(read(mem.get(), buf.data()), file, "cannot read " + what);
    const bool space_pad = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < n; ++i) {
      const char* s = buf.data() + i * size;
      std::size_t len = 0;
      while (len < size && s[len] != '\0') ++len;
      if (space_pad)
        while (len > 0 && s[len - 1] == ' ') --len;
      out.emplace_back(s, len);
    }
  }
  return out;
}

Handle open_object(hid_t f, const std::string& file, const std::string& obj) {
  return Handle(check(H5Oopen(f, obj.c_str(), H5P_DEFAULT), file, "cannot open object '" + obj + "'"), H5Oclose);
}

struct Link {
  std::int64_t order = -1;          // creation order; -1 where the file does not track it
  std::string name;                 // the link's name in its group
  std::vector<std::string> paths;   // the dataset, or a group's datasets, relative to the root
};

struct Listing {
  std::string prefix;
  std::vector<Link> links;
  bool failed = false;
};

herr_t list_links(hid_t group, const char* name, const H5L_info_t* info, void* data);

// Datasets under `group`, recursively, as paths relative to the root ("a", "g/b"): in creation
// order where the file tracks it (netCDF-4 files and cimsim's do), else in name order.
// The links are visited in the library's native order and sorted here: iterating in increasing
// order makes libhdf5 1.10 build a table of the links, and on a damaged file its error path
// frees pointers it never set (a crash in H5G__link_release_table, seen under ASan and in the
// release build with MALLOC_PERTURB_; tests/fault/hdf5_link_table_crash_repro.c).
bool list_group(hid_t group, const std::string& prefix, std::vector<std::string>& out) {
  Listing l;
  l.prefix = prefix;
  hsize_t idx = 0;
  if (H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, list_links, &l) < 0 || l.failed) return false;
  const bool by_creation = std::all_of(l.links.begin(), l.links.end(), [](const Link& x) { return x.order >= 0; });
  std::sort(l.links.begin(), l.links.end(), [&](const Link& a, const Link& b) {
    return by_creation && a.order != b.order ? a.order < b.order : a.name < b.name;
  });
  for (auto& link : l.links)
    for (auto& p : link.paths) out.push_back(std::move(p));
  return true;
}

herr_t list_links(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto& out = *static_cast<Listing*>(data);
  const hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
  if (obj < 0) return 0;  // dangling or external link: not a dataset of this file
  const Handle guard(obj, H5Oclose);
  Link link;
  link.order = info != nullptr && info->corder_valid ? static_cast<std::int64_t>(info->corder) : -1;
  link.name = name;
  const H5I_type_t type = H5Iget_type(obj);
  if (type == H5I_DATASET) {
    link.paths.push_back(out.prefix + name);
  } else if (type == H5I_GROUP) {
    if (!list_group(obj, out.prefix + name + "/", link.paths)) {
      out.failed = true;
      return -1;
    }
  } else {
    return 0;
  }
  out.links.push_back(std::move(link));
  return 0;
}
}  // namespace

Dataset read_numeric(const std::string& file, const std::string& name) {
  const Handle f = open_file(file);
  const Handle d = open_dataset(f.get(), file, name);
  const Handle type(check(H5Dget_type(d.get()), file, "cannot get the type of '" + name + "'"), H5Tclose);
  if (!is_numeric(type.get()))
    throw InputError(file, "", "dataset '" + name + "' is not numeric");
  const Handle space(check(H5Dget_space(d.get()), file, "cannot get the shape of '" + name + "'"), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(file, "cannot get the shape of '" + name + "'");
  Dataset out;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0)
    check_rc(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), file, "cannot get the shape of '" + name + "'");
  out.shape.assign(dims.begin(), dims.end());
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) fail(file, "cannot get the size of '" + name + "'");
  out.values.resize(static_cast<std::size_t>(points));
  if (points > 0)
    check_rc(H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()), file,
             "cannot read dataset '" + name + "'");
  return out;
}

std::vector<std::string> read_strings(const std::string& file, const std::string& name) {
  const Handle f = open_file(file);
  const Handle d = open_dataset(f.get(), file, name);
  const Handle type(check(H5Dget_type(d.get()), file, "cannot get the type of '" + name + "'"), H5Tclose);
  const Handle space(check(H5Dget_space(d.get()), file, "cannot get the shape of '" + name + "'"), H5Sclose);
  return read_string_data(type.get(), space.get(), file, "dataset '" + name + "'", [&](hid_t mem, void* buf) {
    return H5Dread(d.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  });
}

std::string read_string_attribute(const std::string& file, const std::string& obj, const std::string& attr) {
  const Handle f = open_file(file);
  const Handle o = open_object(f.get(), file, obj);
  const std::string what = "attribute '" + attr + "' of '" + obj + "'";
  const Handle a(check(H5Aopen(o.get(), attr.c_str(), H5P_DEFAULT), file, "cannot open " + what), H5Aclose);
  const Handle type(check(H5Aget_type(a.get()), file, "cannot get the type of " + what), H5Tclose);
  const Handle space(check(H5Aget_space(a.get()), file, "cannot get the shape of " + what), H5Sclose);
  auto values = read_string_data(type.get(), space.get(), file, what,
                                 [&](hid_t mem, void* buf) { return H5Aread(a.get(), mem, buf); });
  if (values.empty()) return {};
  if (values.size() != 1)
    throw InputError(file, "", what + " holds " + std::to_string(values.size()) +
                             " strings, not one");
  return std::move(values.front());
}

bool has_attribute(const std::string& file, const std::string& obj, const std::string& attr) {
  const Handle f = open_file(file);
  const htri_t exists = H5Aexists_by_name(f.get(), obj.c_str(), attr.c_str(), H5P_DEFAULT);
  if (exists < 0) fail(file, "cannot look for attribute '" + attr + "' of '" + obj + "'");
  return exists > 0;
}

std::vector<std::string> dataset_names(const std::string& file) {
  const Handle f = open_file(file);
  const Handle root(check(H5Gopen2(f.get(), "/", H5P_DEFAULT), file, "cannot open the root group"), H5Gclose);
  std::vector<std::string> names;
  if (!list_group(root.get(), "", names)) fail(file, "cannot list the datasets");
  return names;
}

std::vector<unsigned char> read_raw(const std::string& file, const std::string& name) {
  const Handle f = open_file(file);
  const Handle d = open_dataset(f.get(), file, name);
  const Handle type(check(H5Dget_type(d.get()), file, "cannot get the type of '" + name + "'"), H5Tclose);
  if (!is_numeric(type.get()))
    throw InputError(file, "", "dataset '" + name + "' is not numeric");
  const Handle mem(check(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), file, "cannot get the type of '" + name + "'"),
                   H5Tclose);
  const Handle space(check(H5Dget_space(d.get()), file, "cannot get the shape of '" + name + "'"), H5Sclose);
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) fail(file, "cannot get the size of '" + name + "'");
  std::vector<unsigned char> out(static_cast<std::size_t>(points) * H5Tget_size(mem.get()));
  if (points > 0)
    check_rc(H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), file,
             "cannot read dataset '" + name + "'");
  return out;
}

}  // namespace cimsim::h5
