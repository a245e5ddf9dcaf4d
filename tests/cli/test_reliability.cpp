// Reliability of `cimsim run`'s output (issue 15): an interrupted --force run keeps the old
// file, a killed run's temporary file can be resumed, a full disk or a failing write leaves
// no temporary and no complete-looking file and every earlier file intact.
#include "cli_harness.hpp"

#include <sys/mount.h>

namespace {

using namespace cli_test;

// About 0.05-0.1 s per run (release): long enough to signal mid-run, short enough to resume.
std::vector<std::string> medium(const std::string& replicates, const std::string& seed) {
  return {"baseline", "-r", replicates, "-t", "1", "-s", seed, "--set", "population.citizens=2000",
          "--set", "run.horizon_years=2", "--progress"};
}

std::vector<double> dataset(const std::string& file, const std::string& name) {
  return cimsim::h5::read_numeric(file, name).values;
}

class ReliabilityTest : public CliTest {
 protected:
  // Starts cimsim with `args` and sends `sig` once the first run of `total` has been reported.
  Result signal_after_first_run(const std::vector<std::string>& args, int sig, const std::string& total,
                                pid_t* pid_out = nullptr) {
    const int n = calls_++;
    const fs::path out = base_ / ("call" + std::to_string(n) + ".out"), err = base_ / ("call" + std::to_string(n) + ".err");
    const pid_t pid = spawn(concat({CIMSIM_BINARY}, args), work_, out, err);
    if (pid_out != nullptr) *pid_out = pid;
    bool started = false;
    Result r = signal_when(pid, sig, out, err, [&] { return contains(read_text(err), "runs 1/" + total); }, started);
    EXPECT_TRUE(started) << r;
    return r;
  }
};

// Issue 15, item 1: Ctrl-C during a --force overwrite keeps the old complete file; the partial
// result goes to a separate file that the message names and --resume completes.
TEST_F(ReliabilityTest, InterruptedOverwriteKeepsTheOldFileAndResumes) {
  const Result first = cimsim(concat({"run", "-q", "-o", "o.h5", "-s", "7"}, kSmall));
  ASSERT_EQ(first.status, 0) << first;
  const std::string old_bytes = read_text(work_ / "o.h5");

  const auto args = concat(concat({"run", "-o", "o.h5", "--force"}, medium("30", "8")), {});
  const Result r = signal_after_first_run(args, SIGINT, "30");
  ASSERT_EQ(r.status, 128 + SIGINT) << r;
  EXPECT_EQ(read_text(work_ / "o.h5"), old_bytes) << "the old complete file must stay";
  EXPECT_EQ(work_files(), (std::vector<std::string>{"o.h5", "o.interrupted.h5"}));
  EXPECT_TRUE(contains(r.err, "o.interrupted.h5")) << r;
  EXPECT_TRUE(contains(r.err, "--resume o.interrupted.h5")) << r;
  EXPECT_TRUE(contains(r.err, "o.h5 is unchanged")) << r;
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("o.interrupted.h5"), "/", "complete"), "false");

  // Repeating the command with --resume completes it into o.h5 and removes the partial file.
  const Result resumed = cimsim(concat(args, {"--resume", "o.interrupted.h5"}));
  ASSERT_EQ(resumed.status, 0) << resumed;
  EXPECT_EQ(work_files(), std::vector<std::string>{"o.h5"});
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("o.h5"), "/", "complete"), "true");
  const Result ref = cimsim(concat({"run", "-q", "-o", "ref.h5"}, medium("30", "8")));
  ASSERT_EQ(ref.status, 0) << ref;
  for (const char* v : {"status", "seed", "outcome", "trust_partners"})
    EXPECT_EQ(dataset(work("o.h5"), v), dataset(work("ref.h5"), v)) << v;
}

// Item 2: a SIGKILLed run leaves X.h5.tmp-PID; `run` says how to resume it, --resume takes it
// directly (into X.h5), and a SIGKILL during that --resume leaves no temporary for good.
TEST_F(ReliabilityTest, KilledRunsTemporaryIsResumedAndCleanedUp) {
  const auto args = concat({"run", "-o", "o.h5"}, medium("30", "8"));
  pid_t first_pid = 0;
  const Result killed = signal_after_first_run(args, SIGKILL, "30", &first_pid);
  ASSERT_EQ(killed.status, 128 + SIGKILL) << killed;
  const std::string tmp_a = "o.h5.tmp-" + std::to_string(first_pid);
  ASSERT_EQ(work_files(), std::vector<std::string>{tmp_a});

  // A --resume of it, killed too: it leaves its own temporary of o.h5 beside the first.
  pid_t second_pid = 0;
  const Result killed2 = signal_after_first_run(concat(args, {"--resume", tmp_a}), SIGKILL, "30", &second_pid);
  ASSERT_EQ(killed2.status, 128 + SIGKILL) << killed2;
  const std::string tmp_b = "o.h5.tmp-" + std::to_string(second_pid);
  EXPECT_EQ(work_files(), (std::vector<std::string>{tmp_a, tmp_b}));

  // Completing the first: `run` points at the other temporary, and removes both at the end.
  const Result done = cimsim(concat(args, {"--resume", tmp_a}));
  ASSERT_EQ(done.status, 0) << done;
  EXPECT_TRUE(contains(done.err, "note: " + tmp_b + " holds the runs of an earlier run of o.h5 that was killed")) << done;
  EXPECT_TRUE(contains(done.err, "--resume " + tmp_b)) << done;
  EXPECT_EQ(work_files(), std::vector<std::string>{"o.h5"}) << done;
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("o.h5"), "/", "complete"), "true");

  const Result ref = cimsim(concat({"run", "-q", "-o", "ref.h5"}, medium("30", "8")));
  ASSERT_EQ(ref.status, 0) << ref;
  for (const char* v : {"status", "seed", "outcome", "trust_partners"})
    EXPECT_EQ(dataset(work("o.h5"), v), dataset(work("ref.h5"), v)) << v;
}

// A temporary file of another experiment is pointed at but never removed.
TEST_F(ReliabilityTest, ForeignTemporaryIsLeftAlone) {
  const Result other = cimsim(concat({"run", "-q", "-o", "x.h5", "-s", "3"}, kSmall));
  ASSERT_EQ(other.status, 0) << other;
  fs::rename(work_ / "x.h5", work_ / "o.h5.tmp-999999999");  // no such process
  const Result r = cimsim(concat({"run", "-q", "-o", "o.h5", "-s", "4"}, kSmall));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_TRUE(contains(r.err, "note: o.h5.tmp-999999999")) << r;
  EXPECT_EQ(work_files(), (std::vector<std::string>{"o.h5", "o.h5.tmp-999999999"}));
}

// Items 3 and 6 and the fault-injection check: a write to the output failing (ENOSPC) at any
// point, from the first write of the file to its last, ends with exit 2 and a message that
// names the path and the OS reason first; no temporary or new file is left and the old file
// is untouched.
TEST_F(ReliabilityTest, FailingWritesLeaveNoFileAndKeepTheOldOne) {
  const std::string shim = CIMSIM_FAIL_WRITE_SHIM;
  std::string asan = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
  asan += std::string(asan.empty() ? "" : ":") + "verify_asan_link_order=0";
  const std::vector<std::string> env = {"/usr/bin/env", "LD_PRELOAD=" + shim, "ASAN_OPTIONS=" + asan};
  const auto run_args = concat({CIMSIM_BINARY, "run", "-q", "-o", "o.h5", "--force", "-s", "5"}, kSmall);

  // How many writes a whole run makes.
  const fs::path counts = base_ / "writes.txt";
  const Result counted = command(concat(concat(env, {"CIMSIM_COUNT_WRITES=" + counts.string()}), run_args));
  ASSERT_EQ(counted.status, 0) << counted;
  const long total = std::stol(read_text(counts));
  ASSERT_GT(total, 0) << "the shim saw no write to the temporary file (is LD_PRELOAD honoured?)";
  std::printf("a run of kSmall makes %ld writes to its temporary file\n", total);
  fs::rename(work_ / "o.h5", base_ / "good.h5");

  const std::string old_bytes = "an earlier result\n";
  write_text(work_ / "o.h5", old_bytes);
  std::vector<long> points;
  for (long n = 0; n < total; n += n < 24 ? 1 : std::max<long>(1, total / 24)) points.push_back(n);
  points.push_back(total - 1);
  for (const long n : points) {
    SCOPED_TRACE("writes allowed: " + std::to_string(n) + " of " + std::to_string(total));
    const Result r = command(concat(concat(env, {"CIMSIM_FAIL_WRITE_AFTER=" + std::to_string(n)}), run_args));
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.err.rfind("cimsim: error: o.h5: ", 0), 0u) << r;
    EXPECT_TRUE(contains(r.err, "No space left on device")) << r;
    EXPECT_FALSE(contains(r.err, "HDF5")) << r;
    EXPECT_EQ(count(r.err, "\n"), 1u) << r;
    EXPECT_EQ(work_files(), std::vector<std::string>{"o.h5"}) << "no temporary or partial file";
    EXPECT_EQ(read_text(work_ / "o.h5"), old_bytes) << "the earlier file is intact";
  }
}

// Item 3 on a real full file system (a tiny tmpfs; needs root and mount rights, else skipped).
TEST_F(ReliabilityTest, FullDiskLeavesNoZeroByteTemporary) {
  const fs::path tiny = base_ / "tiny";
  fs::create_directories(tiny);
  if (::mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=16k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  write_text(tiny / "fill", std::string(16 * 1024, 'x'));  // as full as it gets
  const Result r = cimsim(concat({"run", "-q", "-o", (tiny / "o.h5").string()}, kSmall));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tiny)) left.push_back(e.path().filename().string());
  ::umount(tiny.c_str());
  EXPECT_EQ(r.status, 2) << r;
  EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u) << r;
  EXPECT_TRUE(contains(r.err, (tiny / "o.h5").string())) << r;
  EXPECT_EQ(left, std::vector<std::string>{"fill"}) << r;
}

}  // namespace
