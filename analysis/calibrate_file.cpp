#include "analysis/calibrate_file.hpp"

#include "analysis/hdf5_handle.hpp"
#include "analysis/hdf5_read.hpp"
#include "engine/error.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace cimsim {

namespace {

using h5detail::Handle;
namespace fs = std::filesystem;

struct Writer {
  std::string path;  // for messages
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) throw InputError(path, "", "cannot write the calibration file: " + what + " (" + h5detail::hdf5_detail() + ")");
    return id;
  }
  void check_rc(herr_t rc, const std::string& what) const { check(rc < 0 ? -1 : 0, what); }

  void text_attr(hid_t obj, const std::string& name, const std::string& value) const {
    Handle type(check(H5Tcopy(H5T_C_S1), name), H5Tclose);
    check_rc(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), name);
    check_rc(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), name);
    check_rc(H5Tset_cset(type.get(), H5T_CSET_UTF8), name);
    Handle space(check(H5Screate(H5S_SCALAR), name), H5Sclose);
    Handle attr(check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), name), H5Aclose);
    const std::string buf = value.empty() ? std::string(1, '\0') : value;
    check_rc(H5Awrite(attr.get(), type.get(), buf.data()), name);
  }
  void number_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, const void* v) const {
    Handle space(check(H5Screate(H5S_SCALAR), name), H5Sclose);
    Handle attr(check(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), name), H5Aclose);
    check_rc(H5Awrite(attr.get(), mem_type, v), name);
  }
  Handle dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
                 const void* data) const {
    Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), name), H5Sclose);
    Handle ds(check(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name),
              H5Dclose);
    hsize_t n = 1;
    for (hsize_t d : dims) n *= d;
    if (n > 0) check_rc(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
    return ds;
  }
  Handle doubles(hid_t loc, const std::string& name, const std::vector<double>& v, std::vector<hsize_t> dims = {}) const {
    if (dims.empty()) dims = {v.size()};
    return dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims, v.data());
  }
  Handle strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) const {
    Handle type(check(H5Tcopy(H5T_C_S1), name), H5Tclose);
    check_rc(H5Tset_size(type.get(), H5T_VARIABLE), name);
    check_rc(H5Tset_cset(type.get(), H5T_CSET_UTF8), name);
    std::vector<const char*> ptrs;
    for (const auto& s : v) ptrs.push_back(s.c_str());
    return dataset(loc, name, type.get(), type.get(), {v.size()}, ptrs.data());
  }
};

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

}  // namespace

void write_calibration(const std::string& path, const CalibrationRecord& r) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  Writer w{path};
  try {
    {
      Handle fcpl(w.check(H5Pcreate(H5P_FILE_CREATE), "file properties"), H5Pclose);
      w.check_rc(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "file properties");
      Handle f(w.check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), "cannot create the file"), H5Fclose);
      const hid_t root = f.get();
      w.text_attr(root, "title", "cimsim calibrate: history matching of " + r.preset);
      w.text_attr(root, "method", "history matching with implausibility, in waves, without an emulator (docs/design/0006-calibration.md)");
      w.text_attr(root, "preset", r.preset);
      w.text_attr(root, "targets_file", r.targets_file);
      w.text_attr(root, "command_line", r.command_line);
      w.text_attr(root, "cimsim_version", r.version);
      w.text_attr(root, "sets", r.sets);
      w.number_attr(root, "cutoff", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &r.cutoff);
      w.number_attr(root, "widen", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &r.widen);
      w.number_attr(root, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r.seed);
      w.number_attr(root, "points", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r.points);
      w.number_attr(root, "replicates", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r.replicates);
      w.number_attr(root, "waves_requested", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r.waves_requested);
      const std::uint64_t done = r.waves.size();
      w.number_attr(root, "waves_completed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &done);
      w.strings(root, "parameter", r.parameters);
      w.doubles(root, "prior_low", r.prior_low);
      w.doubles(root, "prior_high", r.prior_high);
      w.strings(root, "target", r.targets);
      w.doubles(root, "target_low", r.target_low);
      w.doubles(root, "target_high", r.target_high);
      w.doubles(root, "target_tolerance", r.target_tolerance);
      w.dataset(root, "target_share", H5T_STD_U8LE, H5T_NATIVE_UINT8, {r.target_share.size()}, r.target_share.data());
      const hsize_t P = r.parameters.size(), T = r.targets.size();
      for (std::size_t k = 0; k < r.waves.size(); ++k) {
        const HmWave& v = r.waves[k];
        const std::string name = "wave_" + std::to_string(k + 1);
        Handle g(w.check(H5Gcreate2(root, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name), H5Gclose);
        const hsize_t N = v.max_implausibility.size();
        const std::uint64_t acc = v.accepted_count();
        w.number_attr(g.get(), "accepted_count", H5T_STD_U64LE, H5T_NATIVE_UINT64, &acc);
        w.doubles(g.get(), "box_low", v.box_low);
        w.doubles(g.get(), "box_high", v.box_high);
        {
          Handle ds = w.doubles(g.get(), "points", v.points, {N, P});
          w.text_attr(ds.get(), "parameters", join(r.parameters, ","));
        }
        for (const auto& [n, data] : {std::pair<const char*, const std::vector<double>*>{"implausibility", &v.implausibility},
                                      {"mean", &v.mean}, {"sd", &v.sd}}) {
          Handle ds = w.doubles(g.get(), n, *data, {N, T});
          w.text_attr(ds.get(), "targets", join(r.targets, ","));
        }
        w.doubles(g.get(), "max_implausibility", v.max_implausibility);
        w.dataset(g.get(), "accepted", H5T_STD_U8LE, H5T_NATIVE_UINT8, {N}, v.accepted.data());
      }
      if (!f.close()) throw InputError(path, "", "cannot write the calibration file: closing failed (" + h5detail::hdf5_detail() + ")");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      throw InputError(path, "", "cannot write the calibration file: " + std::generic_category().message(err));
    }
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

namespace {

struct Reader {
  std::string path;
  hid_t file;
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path, "", "not a calibration file of cimsim calibrate (" + what + ")");
  }
  template <class T>
  T number_attr(hid_t obj, const std::string& name, hid_t mem_type) const {
    if (H5Aexists(obj, name.c_str()) <= 0) fail("no attribute '" + name + "'");
    Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
    T v{};
    if (a.get() < 0 || H5Aread(a.get(), mem_type, &v) < 0) fail("cannot read attribute '" + name + "'");
    return v;
  }
  template <class T>
  std::vector<T> numbers(const std::string& name, hid_t mem_type, std::size_t expect) const {
    if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) fail("no dataset '" + name + "'");
    Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (ds.get() < 0) fail("cannot open '" + name + "'");
    Handle space(H5Dget_space(ds.get()), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || static_cast<std::size_t>(n) != expect) fail("dataset '" + name + "' has the wrong size");
    std::vector<T> v(expect);
    if (expect > 0 && H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) fail("cannot read '" + name + "'");
    return v;
  }
};

}  // namespace

CalibrationRecord read_calibration(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path, "", "cannot resume: no such file");
  CalibrationRecord r;
  try {
    r.preset = h5::read_string_attribute(path, "/", "preset");
    r.targets_file = h5::read_string_attribute(path, "/", "targets_file");
    r.command_line = h5::read_string_attribute(path, "/", "command_line");
    r.version = h5::read_string_attribute(path, "/", "cimsim_version");
    r.sets = h5::read_string_attribute(path, "/", "sets");
    r.parameters = h5::read_strings(path, "parameter");
    r.targets = h5::read_strings(path, "target");
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(path, "", std::string("not a calibration file of cimsim calibrate (") + e.what() + ")");
  }
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const Reader rd{path, f.get()};
  if (f.get() < 0) rd.fail("cannot open it");
  r.cutoff = rd.number_attr<double>(f.get(), "cutoff", H5T_NATIVE_DOUBLE);
  r.widen = rd.number_attr<double>(f.get(), "widen", H5T_NATIVE_DOUBLE);
  r.seed = rd.number_attr<std::uint64_t>(f.get(), "seed", H5T_NATIVE_UINT64);
  r.points = rd.number_attr<std::uint64_t>(f.get(), "points", H5T_NATIVE_UINT64);
  r.replicates = rd.number_attr<std::uint64_t>(f.get(), "replicates", H5T_NATIVE_UINT64);
  r.waves_requested = rd.number_attr<std::uint64_t>(f.get(), "waves_requested", H5T_NATIVE_UINT64);
  const auto done = rd.number_attr<std::uint64_t>(f.get(), "waves_completed", H5T_NATIVE_UINT64);
  const std::size_t P = r.parameters.size(), T = r.targets.size(), N = r.points;
  r.prior_low = rd.numbers<double>("prior_low", H5T_NATIVE_DOUBLE, P);
  r.prior_high = rd.numbers<double>("prior_high", H5T_NATIVE_DOUBLE, P);
  r.target_low = rd.numbers<double>("target_low", H5T_NATIVE_DOUBLE, T);
  r.target_high = rd.numbers<double>("target_high", H5T_NATIVE_DOUBLE, T);
  r.target_tolerance = rd.numbers<double>("target_tolerance", H5T_NATIVE_DOUBLE, T);
  r.target_share = rd.numbers<std::uint8_t>("target_share", H5T_NATIVE_UINT8, T);
  for (std::uint64_t k = 0; k < done; ++k) {
    const std::string g = "wave_" + std::to_string(k + 1) + "/";
    HmWave w;
    w.box_low = rd.numbers<double>(g + "box_low", H5T_NATIVE_DOUBLE, P);
    w.box_high = rd.numbers<double>(g + "box_high", H5T_NATIVE_DOUBLE, P);
    w.points = rd.numbers<double>(g + "points", H5T_NATIVE_DOUBLE, N * P);
    w.implausibility = rd.numbers<double>(g + "implausibility", H5T_NATIVE_DOUBLE, N * T);
    w.mean = rd.numbers<double>(g + "mean", H5T_NATIVE_DOUBLE, N * T);
    w.sd = rd.numbers<double>(g + "sd", H5T_NATIVE_DOUBLE, N * T);
    w.max_implausibility = rd.numbers<double>(g + "max_implausibility", H5T_NATIVE_DOUBLE, N);
    w.accepted = rd.numbers<std::uint8_t>(g + "accepted", H5T_NATIVE_UINT8, N);
    r.waves.push_back(std::move(w));
  }
  return r;
}

}  // namespace cimsim
