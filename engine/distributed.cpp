#include "distributed.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cimsim::mpi {

namespace {
// Message tags. Workers send kRequest (empty) and get kItem (one uint64: an item index, or
// >= total for "no more"); they send each finished run as kResult (encoded bytes) and kDone
// (empty) when they will ask for nothing more.
constexpr int kRequest = 1, kItem = 2, kResult = 3, kDone = 4;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI error in ") + what);
}

// Sends each finished run of a worker to rank 0.
class SendSink final : public Sink {
 public:
  explicit SendSink(std::mutex& m) : mutex_(m) {}
  void write(const RunResult& run) override {
    const std::vector<unsigned char> bytes = encode(run);
    std::lock_guard lock(mutex_);
    check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_UNSIGNED_CHAR, 0, kResult, MPI_COMM_WORLD),
          "MPI_Send(result)");
  }

 private:
  std::mutex& mutex_;
};

// Counts every run written to rank 0's sink, local or remote, for the progress callback.
class CountingSink final : public Sink {
 public:
  CountingSink(Sink& inner, std::size_t total, const std::function<void(std::size_t, std::size_t)>& progress)
      : inner_(inner), total_(total), progress_(progress) {}
  void write(const RunResult& run) override {
    inner_.write(run);
    std::lock_guard lock(mutex_);
    ++done_;
    failed_ += run.ok ? 0 : 1;
    if (progress_) progress_(done_, total_);
  }
  std::size_t done() const {
    std::lock_guard lock(mutex_);
    return done_;
  }
  std::size_t failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  Sink& inner_;
  std::size_t total_;
  const std::function<void(std::size_t, std::size_t)>& progress_;
  mutable std::mutex mutex_;
  std::size_t done_ = 0, failed_ = 0;
};

EnsembleReport run_rank0(const Session& session, const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                         const std::atomic<bool>* stop, const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::size_t total = opt.scenarios * opt.replicates;
  std::atomic<std::size_t> next{0};
  auto claim = [&]() -> std::size_t {
    if (stop != nullptr && stop->load()) return total;
    return next.fetch_add(1);
  };
  CountingSink counting(sink, total, progress);
  // Rank 0's own share runs on its TBB threads while this thread serves the other ranks.
  EnsembleReport local;
  std::exception_ptr local_error;
  std::thread compute([&] {
    try {
      local = run_ensemble_claiming(opt, run, counting, claim, stop);
    } catch (...) {
      local_error = std::current_exception();
    }
  });
  int alive = session.size() - 1;
  std::vector<unsigned char> buffer;
  try {
    while (alive > 0) {
      int flag = 0;
      MPI_Status st;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
      if (!flag) {
        // Poll gently: a blocking receive would spin and take a core from the runs.
        std::this_thread::sleep_for(std::chrono::microseconds(500));
        continue;
      }
      int count = 0;
      check(MPI_Get_count(&st, MPI_UNSIGNED_CHAR, &count), "MPI_Get_count");
      buffer.resize(static_cast<std::size_t>(count));
      check(MPI_Recv(buffer.data(), count, MPI_UNSIGNED_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE),
            "MPI_Recv");
      if (st.MPI_TAG == kRequest) {
        const auto item = static_cast<std::uint64_t>(claim());
        check(MPI_Send(&item, 1, MPI_UINT64_T, st.MPI_SOURCE, kItem, MPI_COMM_WORLD), "MPI_Send(item)");
      } else if (st.MPI_TAG == kResult) {
        counting.write(decode(buffer.data(), buffer.size()));
      } else if (st.MPI_TAG == kDone) {
        --alive;
      }
    }
  } catch (...) {
    compute.join();
    throw;
  }
  compute.join();
  if (local_error) std::rethrow_exception(local_error);
  EnsembleReport report;
  report.total = total;
  report.completed = counting.done();
  report.failed = counting.failed();
  report.interrupted = report.completed < total;
  return report;
}

EnsembleReport run_worker(const EnsembleOptions& opt, const RunFunction& run, const std::atomic<bool>* stop) {
  std::mutex comm;  // one MPI call at a time (MPI_THREAD_SERIALIZED)
  auto claim = [&]() -> std::size_t {
    const int nothing = 0;
    std::uint64_t item = 0;
    std::lock_guard lock(comm);
    check(MPI_Send(&nothing, 0, MPI_UNSIGNED_CHAR, 0, kRequest, MPI_COMM_WORLD), "MPI_Send(request)");
    check(MPI_Recv(&item, 1, MPI_UINT64_T, 0, kItem, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv(item)");
    return static_cast<std::size_t>(item);
  };
  SendSink send(comm);
  const EnsembleReport report = run_ensemble_claiming(opt, run, send, claim, stop);
  const int nothing = 0;
  check(MPI_Send(&nothing, 0, MPI_UNSIGNED_CHAR, 0, kDone, MPI_COMM_WORLD), "MPI_Send(done)");
  return report;
}
}  // namespace

bool launched() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

Session::Session(int* argc, char*** argv) {
  if (!launched()) return;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (provided < MPI_THREAD_SERIALIZED && size_ > 1)
    throw std::runtime_error("the MPI library does not support MPI_THREAD_SERIALIZED, which cimsim needs");
}

Session::~Session() {
  if (initialised_) MPI_Finalize();
}

bool Session::all(bool ok) const {
  if (!initialised_) return ok;
  int mine = ok ? 1 : 0, every = 0;
  check(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return every == 1;
}

int Session::first(bool failed) const {
  if (!initialised_) return failed ? rank_ : size_;
  int mine = failed ? rank_ : size_, lowest = size_;
  check(MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return lowest;
}

void Session::broadcast(std::vector<double>& values) const {
  if (!initialised_) return;
  auto n = static_cast<std::uint64_t>(values.size());
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast(size)");
  values.resize(static_cast<std::size_t>(n));
  if (n > 0)
    check(MPI_Bcast(values.data(), static_cast<int>(n), MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast(values)");
}

void Session::abort(int status) const {
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

EnsembleReport run_ensemble(const Session& session, const EnsembleOptions& opt, const RunFunction& run, Sink* sink,
                            const std::atomic<bool>* stop,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
  if (session.rank() == 0 && sink == nullptr) throw std::invalid_argument("rank 0 needs a sink");
  try {
    return session.rank() == 0 ? run_rank0(session, opt, run, *sink, stop, progress) : run_worker(opt, run, stop);
  } catch (const std::exception& e) {
    // A broken job (say, the output disk is full) cannot finish collectively: the other ranks
    // would wait for this one forever. Say why and end every process.
    std::fprintf(stderr, "cimsim (MPI rank %d): internal error: %s; aborting the job\n", session.rank(), e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 3);
    throw;
  }
}

}  // namespace cimsim::mpi
