// Data collection after the step, split three ways:
//  - probes read const model state and return the values of one variable;
//  - the recorder calls the probes at each recorded tick and keeps a run's values in
//    preallocated storage;
//  - a sink receives finished runs (memory sink here for tests; the HDF5 sink lives in
//    analysis/, outside the engine).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace cimsim {

// Extra dimension of a variable beyond (scenario, realization[, time]).
enum class Axis : std::uint8_t { none, sector, pillar, event };

// How people read a variable: the report's chart and axis titles, the short label of tables
// (`cimsim compare`), the scale named there, one sentence on what is measured, and whether shares
// are shown as percentages.
struct Wording {
  std::string title;   // chart title: what it shows ("Citizens still active")
  std::string axis;    // axis title with units ("Citizens active (%)")
  std::string label;   // short label in tables ("Share of citizens active")
  std::string what;    // one sentence on what is measured (chart subtitle)
  std::string scale = "0-1";  // the scale named in compare's table and JSON ("units")
  bool percent = false;       // report: show as a percentage
};

// One quantity shown in `cimsim compare` and the report: the variable itself or one coordinate
// of its axis (e.g. the citizen sector of active_share). Its order among the compared variables
// and among the report's key charts; 0 leaves it out there.
struct View {
  std::string key;         // name in compare's JSON/CSV and the report's chart ids ("citizen_active_share")
  std::string coordinate;  // coordinate on the variable's axis ("citizen"); "" when the axis is none
  int compare_order = 0;   // position among compare's variables (1 first); 0: not compared
  int report_order = 0;    // position among the report's key charts (1 first); 0: not charted
  Wording words = {};      // empty title: the variable's own wording
};

// One output variable: everything the HDF5 sink, `cimsim compare` and the report read about it.
struct VariableSpec {
  std::string name;       // netCDF variable name
  std::string long_name;  // plain-language description
  std::string units;      // UDUNITS-style or "1" for dimensionless
  Axis axis = Axis::none;
  Wording words = {};     // how people read it (every model series has it: tests/unit/test_variables.cpp)
  std::vector<View> views = {};  // where compare and the report show it
};

// What a model records: time series (one value per recorded tick, times the axis width) and
// per-run summaries (one value per run, times the axis width). Missing values are NaN.
struct RecordSchema {
  std::vector<VariableSpec> series;
  std::vector<VariableSpec> summaries;
  std::vector<std::string> sectors;
  std::vector<std::string> pillars;
  std::vector<std::string> events;  // event slots: "event_1", ... (labels per scenario are data)

  std::size_t width(Axis a) const noexcept {
    switch (a) {
      case Axis::sector: return sectors.size();
      case Axis::pillar: return pillars.size();
      case Axis::event: return events.size();
      case Axis::none: break;
    }
    return 1;
  }
};

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// Where a run sits in an ensemble.
struct RunKey {
  std::size_t scenario = 0;
  std::size_t replicate = 0;
  std::uint64_t seed = 0;
};

struct RunResult {
  RunKey key;
  bool ok = false;
  std::string error;                       // empty when ok
  std::vector<double> time;                // months since start, per record
  std::vector<std::vector<double>> series;  // per series variable: [record][width], row-major
  std::vector<std::vector<double>> summaries;  // per summary variable: [width]
};

// Flat byte encoding of a run result (native byte order and double format; for sending runs
// between processes of one job, not for storage). decode() throws std::runtime_error when the
// bytes are not a whole encoding.
std::vector<unsigned char> encode(const RunResult& run);
RunResult decode(const unsigned char* data, std::size_t size);

// A probe writes width(axis) values for its variable into out.
template <class Model>
struct Probe {
  VariableSpec spec;
  std::function<void(const Model&, std::span<double> out)> read;
};

// Calls probes at recorded ticks; storage for all records is allocated once per run.
template <class Model>
class Recorder {
 public:
  Recorder(const RecordSchema& schema, const std::vector<Probe<Model>>& probes, std::size_t records)
      : schema_(schema), probes_(probes) {
    result_.time.reserve(records);
    result_.series.resize(probes_.size());
    for (std::size_t i = 0; i < probes_.size(); ++i)
      result_.series[i].reserve(records * schema_.width(probes_[i].spec.axis));
  }
  void record(const Model& m, double month) {
    result_.time.push_back(month);
    for (std::size_t i = 0; i < probes_.size(); ++i) {
      auto& col = result_.series[i];
      const std::size_t w = schema_.width(probes_[i].spec.axis);
      const std::size_t at = col.size();
      col.resize(at + w);  // within reserved capacity: no allocation
      probes_[i].read(m, std::span<double>(col.data() + at, w));
    }
  }
  RunResult& result() noexcept { return result_; }

 private:
  const RecordSchema& schema_;
  const std::vector<Probe<Model>>& probes_;
  RunResult result_;
};

// Receives finished runs. write() may be called from several threads; implementations
// serialise as they need.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const RunResult& run) = 0;
};

// Passes each run to several sinks in turn.
class TeeSink final : public Sink {
 public:
  explicit TeeSink(std::vector<Sink*> sinks) : sinks_(std::move(sinks)) {}
  void write(const RunResult& run) override {
    for (Sink* s : sinks_) s->write(run);
  }

 private:
  std::vector<Sink*> sinks_;
};

// Keeps every run in memory, ordered by (scenario, replicate) on read. For tests.
class MemorySink final : public Sink {
 public:
  void write(const RunResult& run) override {
    std::lock_guard lock(mutex_);
    runs_.push_back(run);
  }
  // Runs sorted by (scenario, replicate).
  std::vector<RunResult> runs() const;

 private:
  mutable std::mutex mutex_;
  std::vector<RunResult> runs_;
};

}  // namespace cimsim
