// `cimsim workshop`: the session (counterfactual fork, determinism, parameters, ensemble, HDF5),
// the API's validation of malformed and hostile messages, and the HTTP server itself.
#include "analysis/hdf5_read.hpp"
#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"
#include "app/workshop/api.hpp"
#include "app/workshop/server.hpp"
#include "app/workshop/session.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <filesystem>
#include <future>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace cimsim;
using namespace cimsim::workshop;
using nlohmann::json;
namespace sc = cimsim::scenarios;

SessionOptions manual(const std::string& scenario = "baseline", int ensemble = 0) {
  SessionOptions o;
  o.scenario = scenario;
  o.seed = 7;
  o.ensemble = ensemble;
  o.ensemble_threads = 1;
  o.start_thread = false;
  return o;
}

bool same(const Sample& a, const Sample& b) {
  return a.month == b.month && a.outcome == b.outcome && a.orgs_active == b.orgs_active &&
         a.citizens_active == b.citizens_active && a.trust == b.trust && a.convening == b.convening &&
         a.active_orgs == b.active_orgs && a.staff == b.staff && a.partner_ties == b.partner_ties;
}

const json kCoordinatorLeaves = {{"type", "staff_turnover"}, {"role", "lead_coordinator"}};

// The branch without the event is the straight run; the branch with it is the straight run of
// the scenario with the event scheduled at that week from the start. Both bit for bit.
TEST(WorkshopSession, ForkBranchesEqualStraightRunsWithAndWithoutTheEvent) {
  Session s(manual());
  s.step_weeks(30);
  ASSERT_EQ(s.branches(), 1u);
  const json r = s.press_event(kCoordinatorLeaves);
  EXPECT_EQ(r["week"], 31);
  ASSERT_EQ(s.branches(), 2u);
  s.step_weeks(70);
  ASSERT_EQ(s.week(), 100);
  const auto got = s.branch_samples();

  // Without: the plain scenario, same seed.
  const Branch plain = replay(s.initial_scenario(), s.schema(), s.realization_seed(0), {}, 100);
  ASSERT_EQ(plain.samples().size(), got[1].size());
  for (std::size_t i = 0; i < got[1].size(); ++i) EXPECT_TRUE(same(plain.samples()[i], got[1][i])) << "month " << i;

  // With: a scenario file with the event at week 31, run from week 0 without any fork.
  const std::string text = sc::to_toml(s.initial_scenario()) +
                           "\n[[events]]\ntype = \"staff_turnover\"\nrole = \"lead_coordinator\"\nat = \"week 31\"\n";
  const model::Scenario with_event = sc::load_text("with", text, "test");
  const Branch straight = replay(with_event, s.schema(), s.realization_seed(0), {}, 100);
  ASSERT_EQ(straight.samples().size(), got[0].size());
  for (std::size_t i = 0; i < got[0].size(); ++i) EXPECT_TRUE(same(straight.samples()[i], got[0][i])) << "month " << i;

  // Identical up to the fork, different after it: the event's effect alone.
  // Month m is recorded at the end of its first week; month 7 at the end of week 31, the
  // event's week, so months 0..6 are before the event.
  const std::size_t fork_month = 31 * 12 / 52;
  for (std::size_t i = 0; i < fork_month; ++i) EXPECT_TRUE(same(got[0][i], got[1][i]));
  bool differs = false;
  for (std::size_t i = fork_month; i < got[0].size(); ++i) differs = differs || !same(got[0][i], got[1][i]);
  EXPECT_TRUE(differs);
  std::printf("month %zu: staff with event %d, without %d; outcome with %.6f, without %.6f\n", got[0].size() - 1,
              got[0].back().staff, got[1].back().staff, got[0].back().outcome, got[1].back().outcome);
}

// Same seed, same presses at the same weeks -> same run, however the steps were cut up; and a
// replay of the recorded timeline reproduces every branch.
TEST(WorkshopSession, SamePressesAtSameWeeksGiveTheSameRun) {
  auto drive = [](Session& s, int chunk) {
    for (int w = 0; w < 40; w += chunk) s.step_weeks(chunk);
    s.set_parameter("communication.meeting_cadence_weeks", 1);
    for (int w = 0; w < 20; w += chunk) s.step_weeks(chunk);
    s.press_event({{"type", "funding_cut"}, {"fraction", 0.4}});
    for (int w = 0; w < 40; w += chunk) s.step_weeks(chunk);
  };
  Session a(manual()), b(manual());
  drive(a, 1);
  drive(b, 20);
  const auto sa = a.branch_samples(), sb = b.branch_samples();
  ASSERT_EQ(sa.size(), 2u);
  ASSERT_EQ(sb.size(), 2u);
  for (std::size_t br = 0; br < 2; ++br) {
    ASSERT_EQ(sa[br].size(), sb[br].size());
    for (std::size_t i = 0; i < sa[br].size(); ++i) EXPECT_TRUE(same(sa[br][i], sb[br][i]));
  }
  const auto timelines = a.branch_timelines();
  ASSERT_EQ(timelines[0].size(), 2u);  // the parameter (week 41) and the event (week 61)
  ASSERT_EQ(timelines[1].size(), 1u);  // the parameter only
  EXPECT_EQ(timelines[0][0].week, 41);
  EXPECT_EQ(timelines[0][1].week, 61);
  for (std::size_t br = 0; br < 2; ++br) {
    const Branch r = replay(a.initial_scenario(), a.schema(), a.realization_seed(0), timelines[br], a.week());
    for (std::size_t i = 0; i < sa[br].size(); ++i) EXPECT_TRUE(same(r.samples()[i], sa[br][i])) << br << " " << i;
  }
}

TEST(WorkshopSession, ParametersGoThroughTheTableAndFixedOnesWaitForReset) {
  Session s(manual());
  s.step_weeks(5);
  EXPECT_EQ(s.set_parameter("funding.budget_staff_years", 9.0)["applies"], "from week 6");
  const json fixed = s.set_parameter("backbone.staff", 8);
  EXPECT_EQ(fixed["applies"], "at reset");
  EXPECT_EQ(s.branch_samples()[0].back().staff, 5);
  try {
    s.set_parameter("backbone.staff", 100000);
    FAIL() << "out of range accepted";
  } catch (const RequestError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_NE(std::string(e.what()).find("backbone.staff"), std::string::npos) << e.what();
  }
  s.reset(std::nullopt);
  EXPECT_EQ(s.week(), 0);
  s.step_weeks(30);  // ramp-up and hiring: more posts than 5 are filled with 8 slots
  EXPECT_GT(s.branch_samples()[0].back().staff, 5);
  const json p = s.parameters();
  bool seen = false;
  for (const auto& e : p)
    if (e["key"] == "backbone.staff") {
      seen = true;
      EXPECT_EQ(e["value"], 8);
      EXPECT_EQ(e["applies"], "at reset");
    }
  EXPECT_TRUE(seen);
}

// The live stream paces the weeks passing but not the facilitator: Session::action() changes
// on an event, a control or a parameter, not on a week, and wait_action returns when it does
// (the stream's pause then ends at once, so the fork is sent without waiting).
TEST(WorkshopSession, FacilitatorActionsWakeTheStreamWeeksPassingDoNot) {
  Session s(manual());
  std::uint64_t a = s.action();
  const std::uint64_t f = s.frame();
  s.step_weeks(3);
  EXPECT_NE(s.frame(), f);
  EXPECT_EQ(s.action(), a) << "a week passing is not an action";
  EXPECT_EQ(s.wait_action(a, 0), a);
  s.set_parameter("funding.budget_staff_years", 9.0);
  EXPECT_NE(s.action(), a);
  a = s.action();
  s.step_month();
  EXPECT_NE(s.action(), a);
  a = s.action();
  // A waiting stream is woken by the press; without the wake-up this waits 60 s and fails.
  std::promise<void> waiting;
  auto woken = std::async(std::launch::async, [&] {
    waiting.set_value();
    return s.wait_action(a, 60000);
  });
  waiting.get_future().wait();
  s.press_event(kCoordinatorLeaves);
  EXPECT_NE(woken.get(), a);
  EXPECT_EQ(s.branches(), 2u);
}

TEST(WorkshopSession, EnsembleBandsCoverBothBranchesAndHdf5HoldsTheRuns) {
  Session s(manual("coordinator-leaves", 3));
  s.step_weeks(20);
  s.press_event(kCoordinatorLeaves);
  s.step_weeks(30);
  ASSERT_TRUE(s.wait_ensemble(120000));
  EXPECT_EQ(s.ensemble_done(), 3u);
  const json series = s.series();
  ASSERT_EQ(series["bands"].size(), 2u);
  for (const auto& b : series["bands"]) {
    EXPECT_EQ(b["members"], 3);
    ASSERT_EQ(b["outcome"].size(), static_cast<std::size_t>(50 * 12 / 52 + 1));
    for (const auto& q : b["outcome"]) {
      EXPECT_LE(q[0].get<double>(), q[2].get<double>());
      EXPECT_LE(q[2].get<double>(), q[4].get<double>());
    }
  }
  const auto path = std::filesystem::temp_directory_path() / ("ws-test-" + std::to_string(::getpid()) + ".h5");
  s.save_hdf5(path.string(), "test");
  const auto names = h5::read_strings(path.string(), "scenario");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "workshop-with-events");
  const auto outcome = h5::read_numeric(path.string(), "outcome");  // [scenario][realization][time]
  ASSERT_EQ(outcome.shape.size(), 3u);
  EXPECT_EQ(outcome.shape[1], 4u);  // the run on screen + 3 seeds
  // Realization 0 of each branch is the run on screen, continued to the horizon.
  const auto samples = s.branch_samples();
  const std::size_t T = outcome.shape[2];
  for (std::size_t br = 0; br < 2; ++br)
    for (std::size_t m = 0; m < samples[br].size(); ++m)
      EXPECT_EQ(outcome.values[br * 4 * T + m], samples[br][m].outcome) << br << " " << m;
  const std::string config = h5::read_string_attribute(path.string(), "/", "configuration");
  EXPECT_NE(config.find("at = \"week 21\""), std::string::npos);  // the event as pressed
  EXPECT_NE(h5::read_string_attribute(path.string(), "/", "workshop_timeline").find("staff_turnover"),
            std::string::npos);
  std::filesystem::remove(path);
}

// --- the API: every malformed or hostile message gets an error reply; the run goes on.

struct Case {
  const char* method;
  const char* path;
  std::string body;
  int status;
  const char* says;  // part of the error message
};

TEST(WorkshopApi, MalformedAndHostileMessagesGetErrorReplies) {
  Session s(manual());
  ApiOptions o;
  o.post_burst = 1000;  // this test is not about rates
  Api api(s, o);
  const std::string nested = std::string(4000, '[') + std::string(4000, ']');
  const std::vector<Case> cases = {
      {"POST", "/api/control", "not json", 400, "not valid JSON"},
      {"POST", "/api/control", "[1,2]", 400, "JSON object"},
      {"POST", "/api/control", "{}", 400, "missing field 'action'"},
      {"POST", "/api/control", R"({"action": 3})", 400, "expected a string"},
      {"POST", "/api/control", R"({"action": "explode"})", 400, "expected play, pause"},
      {"POST", "/api/control", R"({"action": "play", "as_root": true})", 400, "unknown field 'as_root'"},
      {"POST", "/api/control", R"({"action": "reset", "scenario": "../../etc/passwd"})", 400, "not a built-in"},
      {"POST", "/api/control", R"({"action": "reset", "scenario": "baselin"})", 400, "did you mean 'baseline'"},
      {"POST", "/api/control", R"({"action": "speed", "weeks_per_second": 1e9})", 400, "between"},
      {"POST", "/api/control", R"({"action": "speed", "weeks_per_second": "fast"})", 400, "expected a number"},
      {"POST", "/api/control", nested, 400, "JSON object"},
      {"POST", "/api/control", std::string(20000, ' '), 413, "16 KiB"},
      {"POST", "/api/events", R"({"type": "meteor"})", 400, "type"},
      {"POST", "/api/events", R"({"role": "lead_coordinator"})", 400, "missing"},
      {"POST", "/api/events", R"({"type": "staff_turnover", "rol": "lead_coordinator"})", 400, "did you mean 'role'"},
      {"POST", "/api/events", R"({"type": "staff_turnover", "fraction": 2})", 400, "fraction"},
      {"POST", "/api/events", R"({"type": "staff_turnover", "fraction": "half"})", 400, "fraction"},
      {"POST", "/api/events", R"({"type": "grant_end", "at": "week 3"})", 400, "happens now"},
      {"POST", "/api/events", R"({"type": "crisis", "size": {"x": 1}})", 400, "expected a string, number"},
      {"POST", "/api/events", R"({"type": "crisis", "size": [1]})", 400, "expected a string, number"},
      {"POST", "/api/events", R"({"type": "grant_end", "x]\n[run]\nhorizon_years = 1\n#": 1})", 400, "not an event key"},
      {"POST", "/api/events", R"({"type": "grant_end\"\n[run]\nhorizon_years = 1\n#"})", 400, "type"},
      {"POST", "/api/parameters", R"({"key": "backbone.stuff", "value": 3})", 400, "did you mean 'backbone.staff'"},
      {"POST", "/api/parameters", R"({"key": "trust.decay", "value": "0.1"})", 400, "expected a number"},
      {"POST", "/api/parameters", R"({"key": "trust.decay", "value": 99})", 400, "trust.decay"},
      {"POST", "/api/parameters", R"({"key": "trust.decay", "value": 0.01, "why": 1})", 400, "unknown field 'why'"},
      {"POST", "/api/parameters", R"({"key": 5, "value": 1})", 400, "parameter key"},
      {"POST", "/api/parameters", R"({"key": "communication.citizen_forums", "value": 0.5})", 400, "citizen_forums"},
      {"POST", "/api/nothing", "{}", 404, "no such resource"},
      {"GET", "/api/secrets", "", 404, "no such resource"},
      {"GET", "/api/state", "body", 400, "no body"},
      {"DELETE", "/api/state", "", 405, "not allowed"},
  };
  for (const auto& c : cases) {
    const Reply r = api.handle(c.method, c.path, c.body, "127.0.0.1");
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body.substr(0, 80) << " -> " << r.body;
    const json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
    EXPECT_NE(j["error"].get<std::string>().find(c.says), std::string::npos)
        << c.path << " " << c.body.substr(0, 80) << " -> " << r.body;
  }
  // Nothing of that changed the run; it still steps, and a good message still works.
  EXPECT_EQ(s.week(), 0);
  EXPECT_EQ(s.initial_scenario().params.run.horizon_years, 10);
  EXPECT_EQ(s.branches(), 1u);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "step"})", "127.0.0.1").status, 200);
  EXPECT_GT(s.week(), 0);
  EXPECT_EQ(api.handle("POST", "/api/events", kCoordinatorLeaves.dump(), "127.0.0.1").status, 200);
  EXPECT_EQ(s.branches(), 2u);
  const json st = json::parse(api.handle("GET", "/api/state", "", "127.0.0.1").body);
  ASSERT_EQ(st["branches"].size(), 2u);
  EXPECT_EQ(st["branches"][0]["name"], "with event");
  EXPECT_EQ(st["branches"][1]["name"], "without");
}

TEST(WorkshopApi, RateLimitPerClientAndFacilitatorKeyForRemoteClients) {
  Session s(manual());
  ApiOptions o;
  o.facilitator_key = "k3y";
  o.post_burst = 5;
  o.post_per_second = 0.001;
  Api api(s, o);
  int ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    const int st = api.handle("POST", "/api/control", R"({"action": "pause"})", "127.0.0.1").status;
    ok += st == 200, limited += st == 429;
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 7);
  // Another client has its own budget; a remote one needs the key.
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "pause"})", "192.168.1.20").status, 403);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "pause"})", "192.168.1.21", "wrong").status, 403);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "pause"})", "192.168.1.22", "k3y").status, 200);
  EXPECT_EQ(api.handle("GET", "/api/state", "", "192.168.1.20").status, 200);  // reading needs no key
}

// --- the real server: page, size limit, stream, clean stop on SIGTERM.
TEST(WorkshopServer, ServesThePageTheApiAndTheStreamAndStopsOnSigterm) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the server's signal thread takes them
  ServeOptions o;
  o.session.scenario = "baseline";
  o.session.ensemble = 2;
  o.session.ensemble_threads = 1;
  std::promise<int> ready;
  auto fut = ready.get_future();
  std::thread server([&] { serve(o, [&](int port) { ready.set_value(port); }); });
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const int port = fut.get();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20, 0);
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("d3-force@"), std::string::npos);
  EXPECT_NE(page->body.find("vega-lite@"), std::string::npos);
  EXPECT_NE(page->body.find("qrcode-generator@"), std::string::npos);
  EXPECT_EQ(page->body.find("<script src="), std::string::npos);  // nothing loaded from elsewhere
  auto big = c.Post("/api/control", std::string(64 * 1024, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto played = c.Post("/api/control", R"({"action": "play"})", "application/json");
  ASSERT_TRUE(played);
  EXPECT_EQ(played->status, 200);
  // The stream: read until two frames arrived.
  std::string got;
  int frames = 0;
  auto res = c.Get("/api/stream", [&](const char* data, std::size_t n) {
    got.append(data, n);
    for (std::size_t at = 0; (at = got.find("event: frame", at)) != std::string::npos; at += 5) ++frames, got.erase(0, at + 5), at = 0;
    return frames < 2;
  });
  EXPECT_GE(frames, 2);
  auto st = c.Get("/api/state");
  ASSERT_TRUE(st);
  EXPECT_GT(json::parse(st->body)["week"].get<int>(), 0);
  ::kill(::getpid(), SIGTERM);
  server.join();  // serve() returned: a clean stop
  SUCCEED();
}

}  // namespace

namespace {

int run_cli(const std::string& args, std::string& out) {
  std::FILE* p = ::popen((std::string(CIMSIM_BINARY) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(WorkshopCli, BadScenarioOrPortIsBadInput) {
  std::string out;
  EXPECT_EQ(run_cli("workshop baselin --port 1", out), 2);
  EXPECT_NE(out.find("baseline"), std::string::npos) << out;  // the suggestion
  out.clear();
  EXPECT_EQ(run_cli("workshop city-scale", out), 2);
  EXPECT_NE(out.find("too large for a live workshop"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_cli("workshop baseline --host 203.0.113.7 --port 18999", out), 2);
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_cli("workshop --help", out), 0);
  for (const char* s : {"--port", "--host", "--open", "--ensemble"}) EXPECT_NE(out.find(s), std::string::npos) << s;
}

}  // namespace

namespace {

// Participants: a choice replaces the rule of that organisation for a round, only for it, in
// both branches, and is part of the replayable timeline.
TEST(WorkshopParticipants, ChoicesReplaceTheRuleOfTheirOwnOrganisationForARound) {
  Session control(manual());
  control.step_weeks(42);
  const json orgs = control.organisations();
  std::vector<std::uint32_t> active;
  for (const auto& o : orgs)
    if (o["active"].get<bool>()) active.push_back(o["id"].get<std::uint32_t>());
  ASSERT_GE(active.size(), 2u) << "baseline should have active organisations at week 42";
  const std::uint32_t a = active[0], b = active[1];

  Session s(manual());
  s.step_weeks(40);
  s.press_event(kCoordinatorLeaves);  // choices apply in both branches
  const std::string code = s.join_code();
  auto expect_error = [&](const json& body, bool join, int status, const std::string& says) {
    try {
      join ? s.join(body) : s.choose(body);
      ADD_FAILURE() << "accepted: " << body.dump();
    } catch (const RequestError& e) {
      EXPECT_EQ(e.status, status) << body.dump() << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  expect_error({{"code", "WRONG"}}, true, 403, "wrong join code");
  const std::string ta = s.join({{"code", code}, {"organisation", a}})["token"];
  expect_error({{"code", code}, {"organisation", a}}, true, 409, "taken");
  expect_error({{"code", code}, {"organisation", 999999}}, true, 400, "not an organisation");
  const json jb = s.join({{"code", code}, {"organisation", b}});
  const std::string tb = jb["token"];
  EXPECT_EQ(jb["organisation"], b);
  // A participant acts only for its own organisation; tokens are checked; values are typed.
  expect_error({{"token", ta}, {"organisation", b}, {"attend", false}}, false, 400, "only for the organisation");
  expect_error({{"token", "nope"}, {"attend", false}}, false, 403, "unknown token");
  expect_error({{"token", ta}, {"attend", "no"}}, false, 400, "true or false");
  expect_error({{"token", ta}, {"pillar", 99}}, false, 400, "pillar number");
  s.choose({{"token", ta}, {"attend", false}});
  s.choose({{"token", tb}, {"pillar", 2}, {"invite", true}, {"share_data", true}});
  EXPECT_FALSE(s.me({{"token", ta}})["pending"].is_null());
  // Chosen at week 40, a round boundary (rounds of 4 weeks): the choices hold in weeks 41-44.
  EXPECT_EQ(s.me({{"token", ta}})["next_round_week"], 40);
  s.step_weeks(2);
  EXPECT_EQ(s.week(), 42);
  EXPECT_TRUE(control.org_active(0, a));
  EXPECT_FALSE(s.org_active(0, a)) << "stays away for the round";
  EXPECT_FALSE(s.org_active(1, a)) << "in the branch without the event too";
  EXPECT_TRUE(s.org_active(0, b));
  const auto timelines = s.branch_timelines();
  ASSERT_EQ(timelines[0].size(), 2u);  // the event and the round, both from week 41
  EXPECT_EQ(timelines[0][1].week, 41);
  ASSERT_EQ(timelines[0][1].choices.size(), 2u);
  s.step_weeks(8);  // week 44: the round ends with no new choices -> the rules again from week 45
  const auto t2 = s.branch_timelines();
  ASSERT_EQ(t2[0].size(), 3u);
  EXPECT_EQ(t2[0][2].week, 45);
  EXPECT_TRUE(t2[0][2].choices.empty());
  const json me = s.me({{"token", tb}});
  EXPECT_EQ(me["organisation"], b);
  ASSERT_EQ(me["last_round"].size(), 0u);  // the last round had no choices
  // Replays reproduce both branches with the choices.
  const auto samples = s.branch_samples();
  for (std::size_t br = 0; br < 2; ++br) {
    const Branch r = replay(s.initial_scenario(), s.schema(), s.realization_seed(0), t2[br], s.week());
    ASSERT_EQ(r.samples().size(), samples[br].size());
    for (std::size_t i = 0; i < samples[br].size(); ++i) EXPECT_TRUE(same(r.samples()[i], samples[br][i])) << br << " " << i;
  }
  // The choice changed the run (organisation a stayed away): the samples differ from the control.
  bool differs = false;
  const Branch without_choices = replay(s.initial_scenario(), s.schema(), s.realization_seed(0), {}, s.week());
  for (std::size_t i = 0; i < samples[1].size(); ++i) differs = differs || !same(samples[1][i], without_choices.samples()[i]);
  EXPECT_TRUE(differs);
}

TEST(WorkshopParticipants, JoinAndChoiceThroughTheApiNeedNoFacilitatorKey) {
  Session s(manual());
  ApiOptions o;
  o.facilitator_key = "k";
  Api api(s, o);
  const Reply j = api.handle("POST", "/api/join", json{{"code", s.join_code()}}.dump(), "10.0.0.5");
  ASSERT_EQ(j.status, 200) << j.body;
  const std::string token = json::parse(j.body)["token"];
  EXPECT_EQ(api.handle("POST", "/api/choice", json{{"token", token}, {"attend", true}}.dump(), "10.0.0.5").status, 200);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "play"})", "10.0.0.5").status, 403);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "round", "weeks": 13})", "127.0.0.1").status, 200);
  EXPECT_EQ(api.handle("POST", "/api/control", R"({"action": "round", "weeks": 0})", "127.0.0.1").status, 400);
  EXPECT_EQ(json::parse(api.handle("GET", "/api/state", "", "10.0.0.5").body)["participants"]["round_weeks"], 13);
  EXPECT_EQ(json::parse(api.handle("GET", "/api/organisations", "", "10.0.0.5").body).size(), 74u);
}

}  // namespace
