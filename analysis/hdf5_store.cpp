#include "analysis/hdf5_store.hpp"

#include "analysis/hdf5_handle.hpp"
#include "engine/error.hpp"

#include <hdf5.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <stdexcept>

namespace cimsim::h5 {
namespace {

namespace fs = std::filesystem;
using h5detail::Handle;

struct Writer {
  std::string file;  // the user's file, for messages

  [[noreturn]] void fail(const std::string& what) const {
    const std::string detail = h5detail::hdf5_detail();
    throw InputError(file, "", "cannot store the analysis: " + what + (detail.empty() ? "" : " (" + detail + ")"));
  }
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check_rc(herr_t rc, const std::string& what) const {
    if (rc < 0) fail(what);
  }

  // Group with tracked and indexed creation order, as netCDF-4 makes them.
  Handle open_or_create_group(hid_t parent, const char* name) const {
    const htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
    check_rc(exists < 0 ? -1 : 0, std::string("cannot look for group '") + name + "'");
    if (exists > 0) return Handle(check(H5Gopen2(parent, name, H5P_DEFAULT), "cannot open group"), H5Gclose);
    Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "cannot create a group"), H5Pclose);
    check_rc(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "group order");
    check_rc(H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "group order");
    return Handle(check(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                        std::string("cannot create group '") + name + "'"),
                  H5Gclose);
  }

  // Variable-length UTF-8 string, scalar: a dataset (as_attribute false) or an attribute.
  void write_string(hid_t parent, const std::string& name, const std::string& value, bool as_attribute) const {
    const std::string what = "cannot write '" + name + "'";
    Handle type(check(H5Tcopy(H5T_C_S1), what), H5Tclose);
    check_rc(H5Tset_size(type.get(), H5T_VARIABLE), what);
    check_rc(H5Tset_cset(type.get(), H5T_CSET_UTF8), what);
    Handle space(check(H5Screate(H5S_SCALAR), what), H5Sclose);
    const char* ptr = value.c_str();
    if (as_attribute) {
      Handle a(check(H5Acreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what),
               H5Aclose);
      check_rc(H5Awrite(a.get(), type.get(), &ptr), what);
    } else {
      Handle d(check(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     what),
               H5Dclose);
      check_rc(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &ptr), what);
    }
  }

  void write_table(hid_t parent, const NumericTable& t) const {
    const std::string what = "cannot write '" + t.name + "'";
    std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
    Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), what), H5Sclose);
    Handle d(check(H5Dcreate2(parent, t.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                              H5P_DEFAULT),
                   what),
             H5Dclose);
    if (!t.values.empty())
      check_rc(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.values.data()), what);
    if (!t.long_name.empty()) write_string(d.get(), "long_name", t.long_name, true);
  }
};

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

void store_analysis(const std::string& file, const std::string& name, const std::string& json,
                    const std::vector<NumericTable>& tables, const std::map<std::string, std::string>& attributes) {
  const Writer w{file};
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(file, ec);  // through a symbolic link, to the file itself
  if (ec || !fs::is_regular_file(target, ec)) throw InputError(file, "", "no such file");
  std::string tmp_name = target.filename().string();
  tmp_name.insert(0, 1, '.');
  tmp_name.append(".analysis-tmp");
  const std::string tmp = (target.parent_path() / tmp_name).string();
  fs::copy_file(target, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) throw InputError(file, "", "cannot store the analysis: cannot write a copy beside the file (" + ec.message() + ")");
  try {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    {
      Handle f(w.check(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "cannot open the file for writing"), H5Fclose);
      // On an error the copy is thrown away: its descriptor goes to memory first, so that
      // closing it (after the groups below, which are declared later) cannot fail on a write
      // and leave HDF5's structures half freed (see h5detail::redirect_to_memory).
      struct DiscardOnError {
        Handle& f;
        int exceptions = std::uncaught_exceptions();
        ~DiscardOnError() {
          if (std::uncaught_exceptions() > exceptions && f.get() >= 0) (void)h5detail::redirect_to_memory(f.get());
        }
      } discard_on_error{f};
      Handle analysis = w.open_or_create_group(f.get(), "analysis");
      const htri_t exists = H5Lexists(analysis.get(), name.c_str(), H5P_DEFAULT);
      w.check_rc(exists < 0 ? -1 : 0, "cannot look for group '" + name + "'");
      if (exists > 0) w.check_rc(H5Ldelete(analysis.get(), name.c_str(), H5P_DEFAULT), "cannot replace the old result");
      Handle g = w.open_or_create_group(analysis.get(), name.c_str());
      w.write_string(g.get(), "json", json, false);
      for (const auto& t : tables) w.write_table(g.get(), t);
      for (const auto& [k, v] : attributes) w.write_string(g.get(), k, v, true);
      g.reset();
      analysis.reset();
      w.check_rc(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), "cannot flush the file");
      if (!f.close()) w.fail("cannot close the file");
    }
    sync_file(tmp);
    if (std::rename(tmp.c_str(), target.c_str()) != 0)
      throw InputError(file, "", std::string("cannot store the analysis: cannot replace the file (") +
                                     std::strerror(errno) + ")");
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace cimsim::h5
