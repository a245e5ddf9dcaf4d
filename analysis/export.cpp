// `cimsim export`: see export.hpp.
#include "analysis/export.hpp"

#include "analysis/ensemble_file.hpp"
#include "analysis/hdf5_handle.hpp"
#include "analysis/hdf5_read.hpp"
#include "analysis/hdf5_sink.hpp"
#include "analysis/report_text.hpp"
#include "engine/error.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <set>
#include <stdexcept>

namespace cimsim {
namespace {

using h5detail::Handle;

// Datasets that are coordinates or run bookkeeping, never exported as variables.
const std::set<std::string>& reserved() {
  static const std::set<std::string> r = {"scenario",       "realization",        "time",         "sector",
                                          "pillar",         "event",              "parameter",    "swept_parameter",
                                          "seed",           "status",             "status_message", "event_label",
                                          "scenario_parameter", "parameter_value"};
  return r;
}

// Names of the dimension scales attached to each dimension of a dataset ("" where none).
std::vector<std::string> dimension_names(const std::string& file, const std::string& name) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (f.get() < 0) throw InputError(file, "", "cannot be opened");
  Handle d(H5Dopen2(f.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.get() < 0) throw InputError(file, name, "cannot open the dataset");
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<std::string> out(static_cast<std::size_t>(std::max(rank, 0)));
  for (int i = 0; i < rank; ++i) {
    if (H5DSget_num_scales(d.get(), static_cast<unsigned>(i)) <= 0) continue;
    H5DSiterate_scales(
        d.get(), static_cast<unsigned>(i), nullptr,
        [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
          char buf[256] = {};
          if (H5DSget_scale_name(scale, buf, sizeof buf) > 0) *static_cast<std::string*>(data) = buf;
          return 1;  // the first scale is the dimension's
        },
        &out[static_cast<std::size_t>(i)]);
  }
  return out;
}

// A variable of the file as the table sees it.
struct Variable {
  std::string name;
  bool series = false;                // (scenario, realization, time[, axis])
  std::vector<std::string> columns;   // one per axis value, or {name}
};

std::string column_name(const std::string& var, const std::string& dim, const std::string& value) {
  // pillar_1 of outcome_pillar -> outcome_pillar_1; event_1 of event_trough -> event_trough_1
  if (value.rfind(dim + "_", 0) == 0) return var + "_" + value.substr(dim.size() + 1);
  return var + "_" + value;
}

struct Table {
  const EnsembleFile* file = nullptr;
  std::vector<Variable> vars;
  std::vector<std::string> params;     // swept parameters
  std::vector<double> param_values;    // [scenario][param]
  std::vector<std::string> header;
};

Table plan(const EnsembleFile& f, const ExportOptions& o) {
  if (o.per != "month" && o.per != "run")
    throw InputError("--per", "", "'" + o.per + "' is not one of: month (one row per month of each run), run (one row per run)");
  Table t;
  t.file = &f;
  const std::size_t S = f.scenarios().size(), R = f.realizations(), T = f.months().size();
  std::vector<Variable> available;
  for (const auto& name : h5::dataset_names(f.path())) {
    if (reserved().count(name) > 0 || name.find('/') != std::string::npos) continue;
    const auto dims = dimension_names(f.path(), name);
    if (dims.size() < 2 || dims[0] != "scenario" || dims[1] != "realization") continue;
    Variable v;
    v.name = name;
    v.series = dims.size() >= 3 && dims[2] == "time";
    const std::size_t axis_at = v.series ? 3 : 2;
    if (dims.size() > axis_at + 1) continue;  // not a shape the table has columns for
    const auto a = f.array(name);
    if (a.shape[0] != S || a.shape[1] != R || (v.series && a.shape[2] != T)) continue;
    if (dims.size() == axis_at + 1) {
      const std::string& dim = dims[axis_at];
      std::vector<std::string> values;
      if (!dim.empty() && f.has_dataset(dim)) values = f.strings(dim);
      if (values.size() != a.shape[axis_at]) {
        values.clear();
        for (std::size_t k = 0; k < a.shape[axis_at]; ++k) values.push_back(std::to_string(k + 1));
      }
      for (const auto& val : values) v.columns.push_back(column_name(name, dim.empty() ? "k" : dim, val));
    } else {
      v.columns = {name};
    }
    available.push_back(std::move(v));
  }
  auto names_of = [&](bool series_only) {
    std::string s;
    for (const auto& v : available)
      if (!series_only || v.series) s += (s.empty() ? "" : ", ") + v.name;
    return s;
  };
  if (o.variables.empty()) {
    for (const auto& v : available)
      if (o.per == "run" || v.series) t.vars.push_back(v);
  } else {
    for (const auto& want : o.variables) {
      const auto it = std::find_if(available.begin(), available.end(), [&](const Variable& v) { return v.name == want; });
      if (it == available.end())
        throw InputError("--variables", "", "'" + want + "' is not a variable of " + f.path() + "; it has: " + names_of(false));
      if (!it->series && o.per == "month")
        throw InputError("--variables", "", "'" + want + "' is one value per run, not a time series: use --per run for it "
                                            "(time series of the file: " + names_of(true) + ")");
      t.vars.push_back(*it);
    }
  }
  if (o.per == "run")
    for (auto& v : t.vars)
      if (v.series)
        for (auto& c : v.columns) c += "_end";

  const std::string pdim = f.has_dataset("swept_parameter") ? "swept_parameter" : "parameter";
  if (f.has_dataset(pdim) && f.has_dataset("scenario_parameter")) {
    t.params = f.strings(pdim);
    t.param_values = f.array("scenario_parameter").values;
    if (t.param_values.size() != S * t.params.size()) t.params.clear(), t.param_values.clear();
  }
  t.header = {"scenario", "replicate", "seed", "status"};
  for (const auto& p : t.params) t.header.push_back(p);
  if (o.per == "month") t.header.push_back("month");
  for (const auto& v : t.vars)
    for (const auto& c : v.columns) t.header.push_back(c);
  std::set<std::string> seen;
  for (const auto& h : t.header)
    if (!seen.insert(h).second)
      throw InputError(f.path(), h, "two columns of the table would be called '" + h + "'; choose variables with --variables");
  return t;
}

// Writes text to a plain file, gzip file or stdout.
class Output {
 public:
  Output(const std::string& path, bool force) {
    if (path == "-") {
      out_ = stdout;
      return;
    }
    check_output_path(path, force);
    path_ = path;
    tmp_ = path + ".tmp";
    gzip_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    if (gzip_) {
      gz_ = gzopen(tmp_.c_str(), "wb6");
      if (gz_ == nullptr) throw InputError(path, "", "cannot write here");
    } else {
      out_ = std::fopen(tmp_.c_str(), "wb");
      if (out_ == nullptr) throw InputError(path, "", "cannot write here");
    }
  }
  ~Output() {
    if (done_ || path_.empty()) return;
    if (gz_ != nullptr) gzclose(gz_);
    if (out_ != nullptr) std::fclose(out_);
    std::remove(tmp_.c_str());
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  void write(const std::string& s) {
    if (s.empty()) return;
    const bool ok = gzip_ ? gzwrite(gz_, s.data(), static_cast<unsigned>(s.size())) == static_cast<int>(s.size())
                          : std::fwrite(s.data(), 1, s.size(), out_) == s.size();
    if (!ok) throw std::runtime_error("cannot write " + (path_.empty() ? std::string("to stdout") : "'" + tmp_ + "'"));
  }
  void finish() {
    if (path_.empty()) {
      std::fflush(out_);
      return;
    }
    const bool ok = gzip_ ? gzclose(gz_) == Z_OK : std::fclose(out_) == 0;
    gz_ = nullptr;
    out_ = nullptr;
    if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      std::remove(tmp_.c_str());
      throw std::runtime_error("cannot write '" + path_ + "'");
    }
    done_ = true;
  }

 private:
  std::string path_, tmp_;
  bool gzip_ = false, done_ = false;
  gzFile gz_ = nullptr;
  std::FILE* out_ = nullptr;
};

std::string cell(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

const char* status_name(int s) { return s == 1 ? "ok" : s == 2 ? "failed" : "not_run"; }

}  // namespace

std::vector<std::string> export_columns(const ExportOptions& o) {
  const EnsembleFile f(o.file);
  return plan(f, o).header;
}

std::size_t export_table(const ExportOptions& o) {
  const EnsembleFile f(o.file);
  const Table t = plan(f, o);
  const std::size_t S = f.scenarios().size(), R = f.realizations(), T = f.months().size();
  std::vector<EnsembleFile::Array> data;
  for (const auto& v : t.vars) data.push_back(f.array(v.name));
  const auto outcome = f.array("outcome");

  Output out(o.out, o.force);
  std::string buf;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    if (i > 0) buf += ',';
    buf += text::csv_field(t.header[i]);
  }
  buf += "\n";
  std::size_t rows = 0;
  const std::size_t P = t.params.size();
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t r = 0; r < R; ++r) {
      std::string lead = fmt::format("{},{},{},{}", text::csv_field(f.scenarios()[s]), r, f.seed(s, r),
                                     status_name(f.status(s, r)));
      for (std::size_t p = 0; p < P; ++p) {
        lead += ',';
        lead += cell(t.param_values[s * P + p]);
      }
      const bool ok = f.ok(s, r);
      // The run's last month with a record (scenarios of one file may have different horizons).
      std::size_t end = 0;
      if (ok)
        for (std::size_t m = T; m-- > 0;)
          if (!std::isnan(outcome.values[(s * R + r) * T + m])) {
            end = m + 1;
            break;
          }
      auto value_row = [&](std::size_t m) {  // m: time index, or T for a per-run row
        for (std::size_t i = 0; i < t.vars.size(); ++i) {
          const auto& v = t.vars[i];
          const auto& a = data[i];
          const std::size_t w = v.columns.size();
          for (std::size_t k = 0; k < w; ++k) {
            double x = std::numeric_limits<double>::quiet_NaN();
            if (ok) {
              if (v.series) {
                const std::size_t at = m < T ? m : end - 1;
                if (end > 0) x = a.values[((s * R + r) * T + at) * w + k];
              } else {
                x = a.values[(s * R + r) * w + k];
              }
            }
            buf += ',';
            buf += cell(x);
          }
        }
        buf += "\n";
        ++rows;
      };
      if (o.per == "run") {
        buf += lead;
        value_row(T);
      } else if (!ok || end == 0) {
        buf += lead;
        buf += ',';  // one row for a run without data: month and values empty
        value_row(T);
      } else {
        for (std::size_t m = 0; m < end; ++m) {
          buf += lead;
          buf += ',';
          buf += cell(f.months()[m]);
          value_row(m);
        }
      }
      if (buf.size() > (1u << 20)) {
        out.write(buf);
        buf.clear();
      }
    }
  out.write(buf);
  out.finish();
  return rows;
}

}  // namespace cimsim
