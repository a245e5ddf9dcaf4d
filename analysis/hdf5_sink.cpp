// HDF5 sink writing a netCDF-4 compatible file; see hdf5_sink.hpp for the layout.
//
// netCDF-4 compatibility rests on:
//  - creation order tracked and indexed on the root group (links and attributes) and on
//    every dataset's attributes, so netCDF-C keeps the variable order;
//  - one dimension scale (H5DSset_scale) per dimension, attached to every dimension of every
//    data variable, so netCDF-C finds named dimensions (no "phony_dim_N");
//  - text attributes as fixed-length strings with a scalar dataspace (netCDF NC_CHAR);
//  - string variables as variable-length UTF-8 strings (netCDF NC_STRING);
//  - _FillValue attributes of the variable's own type.
#include "analysis/hdf5_sink.hpp"

#include "engine/error.hpp"

#include "analysis/hdf5_handle.hpp"
#include "analysis/output_files.hpp"

#include <hdf5.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace cimsim {
namespace {

namespace fs = std::filesystem;

using h5detail::Handle;
using h5detail::hdf5_detail;


void quiet_hdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

const char* axis_dim(Axis a) {
  switch (a) {
    case Axis::sector: return "sector";
    case Axis::pillar: return "pillar";
    case Axis::event: return "event";
    case Axis::none: break;
  }
  return "";
}

std::string system_message(int err) { return std::generic_category().message(err); }

// The errno a file driver put on the current thread's HDF5 error stack ("errno = 28, ..."),
// or 0 if none did.
int hdf5_errno() {
  int err = 0;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        int& out = *static_cast<int*>(data);
        if (out != 0 || e == nullptr || e->desc == nullptr) return 0;
        const char* at = std::strstr(e->desc, "errno = ");
        if (at != nullptr) out = std::atoi(at + 8);
        return 0;
      },
      &err);
  return err;
}

}  // namespace

void check_output_path(const std::string& path, bool overwrite) {
  if (path.empty()) throw InputError(path, "", "cannot write here: the output path is empty");
  const fs::path p(path);
  if (!p.has_filename()) throw InputError(path, "", "cannot write here: the path names a directory, not a file");
  std::error_code ec;
  const auto link = fs::symlink_status(p, ec);
  if (fs::exists(link)) {
    if (fs::is_directory(fs::status(p, ec))) throw InputError(path, "", "cannot write here: it is a directory");
    if (!overwrite) throw InputError(path, "", "output file already exists; use --force to overwrite it");
  }
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const auto st = fs::status(dir, ec);
  if (!fs::exists(st)) throw InputError(path, "", "cannot write here: directory '" + dir.string() + "' does not exist");
  if (!fs::is_directory(st)) throw InputError(path, "", "cannot write here: '" + dir.string() + "' is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int err = errno;
    throw InputError(path, "", "cannot write here: directory '" + dir.string() + "': " + system_message(err));
  }
}

struct Hdf5Sink::Impl {
  struct Var {
    std::string name;
    std::size_t width = 1;  // size of the sector/pillar axis, 1 without one
    bool has_axis = false;
    Handle dataset;
    Handle file_space;  // a copy of the dataset's dataspace, reselected at each write
  };
  enum class State { open, closed, finished };

  std::string path;
  std::string tmp;
  RecordSchema schema;
  OutputLayout layout;
  bool overwrite = false;

  std::mutex mutex;
  State state = State::open;
  bool created = false;   // the temporary file exists and is ours to remove
  bool keep_tmp = false;  // a failed finish() keeps the (complete) temporary file
  mutable bool broken = false;
  int os_error = 0;  // errno of the first failed close (see fail())      // an HDF5 call on the file failed: see discard()
  bool replace_incomplete = false;  // an incomplete result may replace an existing file at `path`
  std::string written_path;         // where finish() put the file
  Handle file;
  Handle string_type;  // variable-length UTF-8 string
  std::vector<Var> series;
  std::vector<Var> summaries;
  Var seed, status, message;
  std::vector<bool> written;  // per (scenario, replicate)
  std::size_t completed = 0;

  ~Impl() {
    if (state == State::finished) return;
    discard();
    if (created && !keep_tmp) {
      std::error_code ec;
      fs::remove(tmp, ec);
    }
  }

  // A failure the operating system reported (disk full, quota, I/O error) is the user's to
  // fix: InputError naming the output path and the OS reason. Anything else is an internal
  // error with HDF5's own description.
  [[noreturn]] void fail(const std::string& what) const {
    broken = true;
    const int err = os_error != 0 ? os_error : hdf5_errno();
    if (err != 0)
      throw InputError(path, "", "cannot write the output file: " + system_message(err) + " (" + what +
                                     "); the file was not written" +
                                     (overwrite && !is_temporary_name(path) ? " and an existing file there is unchanged" : ""));
    const std::string detail = hdf5_detail();
    throw std::runtime_error("HDF5 output '" + tmp + "': " + what + (detail.empty() ? "" : " (" + detail + ")"));
  }
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check_rc(herr_t rc, const std::string& what) const {
    if (rc < 0) fail(what);
  }

  // Closes every dataset, then the file. True if all closed cleanly.
  bool close_all() noexcept {
    bool ok = true;
    auto closed = [&](Handle& h) {
      if (h.close()) return;
      ok = false;
      if (os_error == 0) os_error = hdf5_errno();  // the first failure's reason
    };
    auto close_var = [&](Var& v) {
      closed(v.file_space);
      closed(v.dataset);
    };
    for (auto& v : series) close_var(v);
    for (auto& v : summaries) close_var(v);
    close_var(seed);
    close_var(status);
    close_var(message);
    closed(string_type);
    closed(file);
    return ok;
  }

  // Drops the file after an error before finish(), closing every identifier. A file whose
  // data HDF5 failed to write (disk full, I/O error) is first redirected to memory
  // (redirect_to_memory): HDF5 1.10 cannot close it otherwise. Only where that is impossible,
  // or a close failed anyway, are its identifiers left to the process's end (main() turns off
  // HDF5's own clean-up at exit, hdf5_skip_shutdown_at_exit()).
  void discard() noexcept {
    const bool redirected = broken && file.get() >= 0 && h5detail::redirect_to_memory(file.get());
    if ((!broken || redirected) && close_all()) return;
    for (auto* vars : {&series, &summaries})
      for (auto& v : *vars) v.file_space.release(), v.dataset.release();
    for (Var* v : {&seed, &status, &message}) v->file_space.release(), v->dataset.release();
    string_type.release();
    file.release();
    H5Eclear2(H5E_DEFAULT);
  }

  std::size_t scenarios() const { return layout.scenarios.size(); }
  std::size_t replicates() const { return layout.replicates; }
  std::size_t times() const { return layout.time.size(); }

  // Text attribute as netCDF writes one: fixed-length string, scalar dataspace.
  void set_text_attr(hid_t obj, const std::string& name, const std::string& value) const {
    const std::string what = "cannot write attribute '" + name + "'";
    const bool ascii = std::all_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    Handle type(check(H5Tcopy(H5T_C_S1), what), H5Tclose);
    check_rc(H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)), what);
    check_rc(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), what);
    check_rc(H5Tset_cset(type.get(), ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8), what);
    Handle space(check(H5Screate(H5S_SCALAR), what), H5Sclose);
    const htri_t exists = H5Aexists(obj, name.c_str());
    check_rc(exists < 0 ? -1 : 0, what);
    if (exists > 0) check_rc(H5Adelete(obj, name.c_str()), what);
    Handle attr(check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what),
                H5Aclose);
    const std::string buf = value.empty() ? std::string(1, '\0') : value;
    check_rc(H5Awrite(attr.get(), type.get(), buf.data()), what);
  }

  // Numeric attribute (scalar if n == 1, else a 1-D array).
  void set_numeric_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                        std::size_t n) const {
    const std::string what = "cannot write attribute '" + name + "'";
    const hsize_t dims[1] = {n};
    Handle space(check(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr), what), H5Sclose);
    Handle attr(check(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what),
                H5Aclose);
    check_rc(H5Awrite(attr.get(), mem_type, data), what);
  }

  // Creates a dataset. chunk empty: contiguous. fill: HDF5 fill value in file_type's memory
  // form (mem_type), or nullptr for HDF5's default. cache_bytes: chunk cache size, or
  // negative for HDF5's default.
  Handle create_dataset(const std::string& name, hid_t file_type, const std::vector<hsize_t>& dims,
                        std::vector<hsize_t> chunk, hid_t fill_type, const void* fill, double cache_bytes = -1) const {
    const std::string what = "cannot create dataset '" + name + "'";
    Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), what), H5Sclose);
    Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), what), H5Pclose);
    check_rc(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), what);
    const bool empty = std::any_of(dims.begin(), dims.end(), [](hsize_t d) { return d == 0; });
    if (!chunk.empty() && !empty) {
      for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = std::clamp<hsize_t>(chunk[i], 1, dims[i]);
      check_rc(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    }
    if (fill != nullptr) check_rc(H5Pset_fill_value(dcpl.get(), fill_type, fill), what);
    Handle dapl(check(H5Pcreate(H5P_DATASET_ACCESS), what), H5Pclose);
    if (cache_bytes >= 0)
      check_rc(H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, static_cast<std::size_t>(cache_bytes),
                                  H5D_CHUNK_CACHE_W0_DEFAULT),
               what);
    return Handle(
        check(H5Dcreate2(file.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()), what),
        H5Dclose);
  }

  void describe(hid_t ds, const std::string& long_name, const std::string& units) const {
    set_text_attr(ds, "long_name", long_name);
    set_text_attr(ds, "units", units);
  }

  // 1-D string coordinate variable, made a dimension scale.
  Handle string_coordinate(const std::string& name, const std::vector<std::string>& values,
                           const std::string& long_name) const {
    Handle ds = create_dataset(name, string_type.get(), {values.size()}, {}, H5I_INVALID_HID, nullptr);
    write_strings(ds.get(), name, values);
    make_scale(ds.get(), name);
    describe(ds.get(), long_name, "1");
    return ds;
  }

  void write_strings(hid_t ds, const std::string& name, const std::vector<std::string>& values) const {
    if (values.empty()) return;
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& v : values) ptrs.push_back(v.c_str());
    check_rc(H5Dwrite(ds, string_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
             "cannot write dataset '" + name + "'");
  }

  void make_scale(hid_t ds, const std::string& name) const {
    check_rc(H5DSset_scale(ds, name.c_str()), "cannot make '" + name + "' a dimension scale");
  }

  void attach(hid_t ds, const std::string& name, const std::vector<hid_t>& dims) const {
    for (std::size_t i = 0; i < dims.size(); ++i)
      check_rc(H5DSattach_scale(ds, dims[i], static_cast<unsigned>(i)),
               "cannot attach dimension " + std::to_string(i) + " of '" + name + "'");
  }

  // Writes `count` elements of `buf` at `start` (count has the dataset's rank).
  void write_slab(Var& v, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, hid_t mem_type,
                  const void* buf) const {
    const std::string what = "cannot write to dataset '" + v.name + "'";
    hsize_t n = 1;
    for (hsize_t c : count) n *= c;
    if (n == 0) return;
    check_rc(H5Sselect_hyperslab(v.file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
             what);
    Handle mem(check(H5Screate_simple(1, &n, nullptr), what), H5Sclose);
    check_rc(H5Dwrite(v.dataset.get(), mem_type, mem.get(), v.file_space.get(), H5P_DEFAULT, buf), what);
  }

  void open_space(Var& v) const {
    v.file_space = Handle(check(H5Dget_space(v.dataset.get()), "cannot get the dataspace of '" + v.name + "'"),
                          H5Sclose);
  }

  void create();
};

void Hdf5Sink::Impl::create() {
  const std::size_t S = scenarios(), R = replicates(), T = times();

  // Variable names: unique, not clashing with the fixed ones.
  std::set<std::string> names = {"scenario", "realization", "time", "seed", "status", "status_message", "event_label",
                                 "parameter", "scenario_parameter", "swept_parameter", "parameter_value",
                                 "parameter_unit"};
  if (!schema.sectors.empty()) names.insert("sector");
  if (!schema.pillars.empty()) names.insert("pillar");
  if (!schema.events.empty()) names.insert("event");
  auto check_spec = [&](const VariableSpec& v) {
    if (v.name.empty() || v.name.find('/') != std::string::npos)
      throw std::invalid_argument("HDF5 output: invalid variable name '" + v.name + "'");
    if (!names.insert(v.name).second)
      throw std::invalid_argument("HDF5 output: variable name '" + v.name + "' is used twice or is reserved");
    if (v.axis != Axis::none && schema.width(v.axis) == 0)
      throw std::invalid_argument("HDF5 output: variable '" + v.name + "' is on the " + axis_dim(v.axis) +
                                  " axis but the schema lists no " + axis_dim(v.axis) + "s");
  };
  for (const auto& v : schema.series) check_spec(v);
  for (const auto& v : schema.summaries) check_spec(v);

  // File: creation order tracked and indexed, as netCDF-4 requires.
  {
    const std::string what = "cannot create the file";
    Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), what), H5Pclose);
    check_rc(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), what);
    check_rc(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), what);
    // Created by hand first: an unwritable place gets the OS reason (ENOSPC, EACCES,
    // ENAMETOOLONG, ...) rather than an HDF5 stack, and a file that HDF5 then fails to fill
    // is removed (no 0-byte temporary on a full disk).
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int err = errno;
      throw InputError(path, "", "cannot write here: " + system_message(err) +
                                     (err == ENAMETOOLONG && fs::path(path).filename().string().size() <= 255 ? " (with the suffix of the temporary file '" + tmp + "')" : ""));
    }
    created = true;
    ::close(fd);
    file = Handle(check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), what), H5Fclose);
  }
  string_type = Handle(check(H5Tcopy(H5T_C_S1), "cannot create the string type"), H5Tclose);
  check_rc(H5Tset_size(string_type.get(), H5T_VARIABLE), "cannot create the string type");
  check_rc(H5Tset_cset(string_type.get(), H5T_CSET_UTF8), "cannot create the string type");

  // Global attributes.
  set_text_attr(file.get(), "Conventions", "CF-1.8");
  for (const auto& [key, value] : layout.attributes) set_text_attr(file.get(), key, value);

  // Coordinates (dimension scales), in dimension order.
  Handle scenario_ds = string_coordinate("scenario", layout.scenarios, "scenario");

  Handle realization_ds = create_dataset("realization", H5T_STD_I32LE, {R}, {}, H5I_INVALID_HID, nullptr);
  {
    if (R > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw std::invalid_argument("HDF5 output: too many replicates");
    std::vector<std::int32_t> idx(R);
    for (std::size_t i = 0; i < R; ++i) idx[i] = static_cast<std::int32_t>(i);
    if (R > 0)
      check_rc(H5Dwrite(realization_ds.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx.data()),
               "cannot write dataset 'realization'");
    make_scale(realization_ds.get(), "realization");
    set_text_attr(realization_ds.get(), "standard_name", "realization");
    describe(realization_ds.get(), "realization (replicate run) index", "1");
  }

  Handle time_ds = create_dataset("time", H5T_IEEE_F64LE, {T}, {}, H5I_INVALID_HID, nullptr);
  if (T > 0)
    check_rc(H5Dwrite(time_ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, layout.time.data()),
             "cannot write dataset 'time'");
  make_scale(time_ds.get(), "time");
  describe(time_ds.get(), "time since the start of the initiative", "month");

  Handle sector_ds, pillar_ds, event_ds;
  if (!schema.sectors.empty()) sector_ds = string_coordinate("sector", schema.sectors, "sector");
  if (!schema.pillars.empty()) pillar_ds = string_coordinate("pillar", schema.pillars, "pillar");
  if (!schema.events.empty()) event_ds = string_coordinate("event", schema.events, "scheduled event slot");
  auto axis_scale = [&](Axis a) {
    return a == Axis::sector ? sector_ds.get() : a == Axis::pillar ? pillar_ds.get() : event_ds.get();
  };

  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Small chunks along realization for per-run scalars: about 8 KiB each.
  auto realization_chunk = [&](std::size_t width) { return std::max<std::size_t>(1, 1024 / std::max<std::size_t>(1, width)); };

  auto data_var = [&](const VariableSpec& spec, bool is_series) {
    Var v;
    v.name = spec.name;
    v.has_axis = spec.axis != Axis::none;
    v.width = schema.width(spec.axis);
    std::vector<hsize_t> dims = {S, R};
    std::vector<hsize_t> chunk = {1, 1};
    std::vector<hid_t> scales = {scenario_ds.get(), realization_ds.get()};
    if (is_series) {
      dims.push_back(T);
      chunk.push_back(T);
      scales.push_back(time_ds.get());
    } else {
      chunk[1] = realization_chunk(v.width);
    }
    if (v.has_axis) {
      dims.push_back(v.width);
      chunk.push_back(v.width);
      scales.push_back(axis_scale(spec.axis));
    }
    // A series chunk is one run's slice, written whole once: no chunk cache needed.
    v.dataset = create_dataset(v.name, H5T_IEEE_F64LE, dims, chunk, H5T_NATIVE_DOUBLE, &nan, is_series ? 0.0 : -1.0);
    attach(v.dataset.get(), v.name, scales);
    describe(v.dataset.get(), spec.long_name, spec.units);
    set_numeric_attr(v.dataset.get(), "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan, 1);
    open_space(v);
    return v;
  };
  for (const auto& spec : schema.series) series.push_back(data_var(spec, true));
  for (const auto& spec : schema.summaries) summaries.push_back(data_var(spec, false));

  const std::vector<hid_t> run_scales = {scenario_ds.get(), realization_ds.get()};
  const std::vector<hsize_t> run_dims = {S, R};
  const std::vector<hsize_t> run_chunk = {1, realization_chunk(1)};

  seed.name = "seed";
  seed.dataset = create_dataset("seed", H5T_STD_U64LE, run_dims, run_chunk, H5I_INVALID_HID, nullptr);
  attach(seed.dataset.get(), "seed", run_scales);
  describe(seed.dataset.get(), "seed of the run's random number streams", "1");
  open_space(seed);

  status.name = "status";
  const std::int8_t not_run = 0;
  status.dataset = create_dataset("status", H5T_STD_I8LE, run_dims, run_chunk, H5T_NATIVE_INT8, &not_run);
  attach(status.dataset.get(), "status", run_scales);
  describe(status.dataset.get(), "status of the run", "1");
  const std::array<std::int8_t, 3> flags = {0, 1, 2};
  set_numeric_attr(status.dataset.get(), "flag_values", H5T_STD_I8LE, H5T_NATIVE_INT8, flags.data(), flags.size());
  set_text_attr(status.dataset.get(), "flag_meanings", "not_run ok failed");
  open_space(status);

  message.name = "status_message";
  message.dataset = create_dataset("status_message", string_type.get(), run_dims, run_chunk, H5I_INVALID_HID, nullptr);
  // Every run starts with "" (HDF5 would otherwise return null strings for unwritten ones),
  // written in blocks so that a large ensemble needs no string per run in memory.
  open_space(message);
  {
    const char* empty = "";
    const std::size_t block = std::min<std::size_t>(std::max<std::size_t>(R, 1), 65536);
    const std::vector<const char*> empties(block, empty);
    for (std::size_t sc = 0; sc < S; ++sc)
      for (std::size_t r0 = 0; r0 < R; r0 += block)
        write_slab(message, {sc, r0}, {1, std::min(block, R - r0)}, string_type.get(), empties.data());
  }
  attach(message.dataset.get(), "status_message", run_scales);

  if (!schema.events.empty()) {
    // What each event slot of each scenario is ("" where a scenario has fewer events).
    const std::size_t E = schema.events.size();
    std::vector<std::string> labels(S * E);
    for (std::size_t sc = 0; sc < S && sc < layout.event_labels.size(); ++sc)
      for (std::size_t e = 0; e < E && e < layout.event_labels[sc].size(); ++e) labels[sc * E + e] = layout.event_labels[sc][e];
    Handle ds = create_dataset("event_label", string_type.get(), {S, E}, {}, H5I_INVALID_HID, nullptr);
    write_strings(ds.get(), "event_label", labels);
    describe(ds.get(), "scheduled event in this slot of the scenario", "1");
    attach(ds.get(), "event_label", {scenario_ds.get(), event_ds.get()});
  }
  describe(message.dataset.get(), "error message of a failed run, empty otherwise", "1");

  // A (scenario, parameter) table of values with its own parameter coordinate, NaN where missing;
  // returns the coordinate.
  auto scenario_by_parameter = [&](const char* name, const char* coordinate, const std::vector<std::string>& keys,
                                   const char* coordinate_text, const std::vector<double>& values,
                                   const char* text) {
    Handle parameter_ds = string_coordinate(coordinate, keys, coordinate_text);
    Handle ds = create_dataset(name, H5T_IEEE_F64LE, {S, keys.size()}, {}, H5T_NATIVE_DOUBLE, &nan);
    check_rc(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
             std::string("cannot write dataset '") + name + "'");
    describe(ds.get(), text, "1");
    set_numeric_attr(ds.get(), "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan, 1);
    attach(ds.get(), name, {scenario_ds.get(), parameter_ds.get()});
    return parameter_ds;
  };
  if (!layout.parameters.empty()) {
    // Sweep coordinates: the value of each swept parameter per scenario (NaN off the sweep).
    if (layout.scenario_parameter.size() != S * layout.parameters.size())
      throw std::invalid_argument("HDF5 output: scenario_parameter needs scenarios x parameters values");
    scenario_by_parameter("scenario_parameter", "swept_parameter", layout.parameters, "swept parameter",
                          layout.scenario_parameter,
                          "value of each swept parameter in each scenario (missing: not a sweep point)");
  }
  if (!layout.all_parameters.empty()) {
    // Every parameter's value in every scenario, so that readers need not parse the TOML.
    const std::size_t P = layout.all_parameters.size();
    if (layout.parameter_values.size() != S * P || layout.parameter_units.size() != P)
      throw std::invalid_argument("HDF5 output: parameter_value needs scenarios x parameters values and a unit each");
    Handle parameter_ds = scenario_by_parameter("parameter_value", "parameter", layout.all_parameters, "model parameter (scenario file key)",
                          layout.parameter_values,
                          "value of each parameter in each scenario (true/false as 1/0); units in parameter_unit");
    Handle units = create_dataset("parameter_unit", string_type.get(), {P}, {}, H5I_INVALID_HID, nullptr);
    write_strings(units.get(), "parameter_unit", layout.parameter_units);
    describe(units.get(), "unit of each parameter", "1");
    attach(units.get(), "parameter_unit", {parameter_ds.get()});
  }

  written.assign(S * R, false);
  check_rc(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "cannot flush the file");
}

Hdf5Sink::Hdf5Sink(std::string path, const RecordSchema& schema, OutputLayout layout, bool overwrite)
    : impl_(std::make_unique<Impl>()) {
  check_output_path(path, overwrite);
  quiet_hdf5();
  impl_->path = std::move(path);
  impl_->tmp = impl_->path + ".tmp-" + std::to_string(static_cast<long long>(::getpid()));
  impl_->schema = schema;
  impl_->layout = std::move(layout);
  impl_->overwrite = overwrite;
  impl_->create();  // on failure ~Impl closes and removes the temporary file
}

Hdf5Sink::~Hdf5Sink() = default;

void Hdf5Sink::write(const RunResult& run) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  if (m.state != Impl::State::open) throw std::logic_error("Hdf5Sink::write after finish()");
  quiet_hdf5();

  const std::size_t s = run.key.scenario, r = run.key.replicate;
  const std::string run_name = "run (scenario " + std::to_string(s) + ", replicate " + std::to_string(r) + ")";
  if (s >= m.scenarios() || r >= m.replicates())
    throw std::out_of_range("HDF5 output: " + run_name + " is outside the layout (" +
                            std::to_string(m.scenarios()) + " scenarios, " + std::to_string(m.replicates()) +
                            " replicates)");

  // Validate everything before writing anything.
  const std::size_t n = run.time.size();
  if (run.ok) {
    if (n > m.times())
      throw std::invalid_argument("HDF5 output: " + run_name + " has " + std::to_string(n) + " records, more than the " +
                                  std::to_string(m.times()) + " times of the file");
    if (run.series.size() != m.series.size() || run.summaries.size() != m.summaries.size())
      throw std::invalid_argument("HDF5 output: " + run_name + " does not match the schema's variables");
    for (std::size_t i = 0; i < m.series.size(); ++i)
      if (run.series[i].size() != n * m.series[i].width)
        throw std::invalid_argument("HDF5 output: " + run_name + ": series '" + m.series[i].name + "' has " +
                                    std::to_string(run.series[i].size()) + " values, expected " +
                                    std::to_string(n * m.series[i].width));
    for (std::size_t i = 0; i < m.summaries.size(); ++i)
      if (run.summaries[i].size() != m.summaries[i].width)
        throw std::invalid_argument("HDF5 output: " + run_name + ": summary '" + m.summaries[i].name + "' has " +
                                    std::to_string(run.summaries[i].size()) + " values, expected " +
                                    std::to_string(m.summaries[i].width));

    for (std::size_t i = 0; i < m.series.size(); ++i) {
      auto& v = m.series[i];
      std::vector<hsize_t> start = {s, r, 0}, count = {1, 1, n};
      if (v.has_axis) {
        start.push_back(0);
        count.push_back(v.width);
      }
      m.write_slab(v, start, count, H5T_NATIVE_DOUBLE, run.series[i].data());
    }
    for (std::size_t i = 0; i < m.summaries.size(); ++i) {
      auto& v = m.summaries[i];
      std::vector<hsize_t> start = {s, r}, count = {1, 1};
      if (v.has_axis) {
        start.push_back(0);
        count.push_back(v.width);
      }
      m.write_slab(v, start, count, H5T_NATIVE_DOUBLE, run.summaries[i].data());
    }
  }

  const std::vector<hsize_t> at = {s, r}, one = {1, 1};
  const std::uint64_t seed = run.key.seed;
  m.write_slab(m.seed, at, one, H5T_NATIVE_UINT64, &seed);
  const std::int8_t code = run.ok ? 1 : 2;
  m.write_slab(m.status, at, one, H5T_NATIVE_INT8, &code);
  const char* text = run.ok ? "" : run.error.c_str();
  m.write_slab(m.message, at, one, m.string_type.get(), &text);

  m.check_rc(H5Fflush(m.file.get(), H5F_SCOPE_LOCAL), "cannot flush the file");
  const std::size_t slot = s * m.replicates() + r;
  if (!m.written[slot]) {
    m.written[slot] = true;
    ++m.completed;
  }
}

void Hdf5Sink::finish(bool complete) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  if (m.state != Impl::State::open) throw std::logic_error("Hdf5Sink::finish called twice");
  quiet_hdf5();

  m.set_text_attr(m.file.get(), "complete", complete ? "true" : "false");
  m.set_text_attr(m.file.get(), "runs_completed", std::to_string(m.completed));
  m.set_text_attr(m.file.get(), "runs_total", std::to_string(m.scenarios() * m.replicates()));
  m.check_rc(H5Fflush(m.file.get(), H5F_SCOPE_LOCAL), "cannot flush the file");
  const bool closed = m.close_all();
  m.state = Impl::State::closed;
  if (!closed) m.fail("cannot close the file");

  // From here on the temporary file is complete: keep it if it cannot be moved into place.
  std::error_code ec;
  m.written_path = m.path;
  if (!complete && !m.replace_incomplete && fs::exists(fs::symlink_status(m.path, ec))) {
    // An interrupted overwrite: the file there stays until a complete one replaces it.
    m.written_path = interrupted_name(m.path);
    if (std::rename(m.tmp.c_str(), m.written_path.c_str()) != 0) {
      const int err = errno;
      m.keep_tmp = true;
      throw std::runtime_error("cannot move '" + m.tmp + "' to '" + m.written_path + "': " + system_message(err) +
                               "; the results are in '" + m.tmp + "'");
    }
    m.state = Impl::State::finished;
    return;
  }
  if (!m.overwrite && fs::exists(fs::symlink_status(m.path, ec))) {
    m.keep_tmp = true;
    throw InputError(m.path, "", "output file was created by something else while the simulation ran; the results are in " +
                                     m.tmp);
  }
  if (std::rename(m.tmp.c_str(), m.path.c_str()) != 0) {
    const int err = errno;
    m.keep_tmp = true;
    throw std::runtime_error("cannot move '" + m.tmp + "' to '" + m.path + "': " + system_message(err) +
                             "; the results are in '" + m.tmp + "'");
  }
  m.state = Impl::State::finished;
}

void hdf5_skip_shutdown_at_exit() noexcept { (void)H5dont_atexit(); }

const std::string& Hdf5Sink::path() const noexcept { return impl_->path; }
const std::string& Hdf5Sink::written_path() const noexcept { return impl_->written_path; }
void Hdf5Sink::replace_incomplete(bool yes) noexcept { impl_->replace_incomplete = yes; }
const std::string& Hdf5Sink::temporary_path() const noexcept { return impl_->tmp; }

}  // namespace cimsim
