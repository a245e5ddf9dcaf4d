// `cimsim workshop` server (server.hpp).
#include "app/workshop/server.hpp"

#include "analysis/report/assets.hpp"
#include "engine/error.hpp"
#include "app/workshop/api.hpp"
#include "app/workshop/assets.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <csignal>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

extern char** environ;

namespace cimsim::workshop {

namespace {

std::string escape_script(std::string_view js) {
  // A "</script" inside a library would end the element early.
  std::string s(js);
  for (std::size_t at = 0; (at = s.find("</script", at)) != std::string::npos;) s.replace(at, 8, "<\\/script");
  return s;
}

std::string random_key() {
  std::random_device rd;
  static const char* alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  std::string k;
  for (int i = 0; i < 16; ++i) k += alphabet[rd() % 32];
  return k;
}

void open_browser(const std::string& url) {
  pid_t pid;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    std::cerr << "cimsim workshop: could not start xdg-open; open " << url << " yourself\n";
}

// The first IPv4 address of this machine other than the loopback ("" if none).
std::string lan_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) && std::string(buf).rfind("127.", 0) != 0) found = buf;
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

const std::string& join_html() {
  static const std::string html = [] {
    for (const auto& a : assets())
      if (a.kind == Asset::Kind::join) return std::string(a.text);
    return std::string();
  }();
  return html;
}

const std::string& page_html() {
  static const std::string html = [] {
    std::string scripts;
    for (const auto& a : report::assets())
      scripts += "<script>/* " + std::string(a.name) + " */\n" + escape_script(a.js) + "\n</script>\n";
    for (const auto& a : assets())
      if (a.kind == Asset::Kind::library)
        scripts += "<script>/* " + std::string(a.name) + " */\n" + escape_script(a.text) + "\n</script>\n";
    std::string page, style, app;
    for (const auto& a : assets()) {
      if (a.kind == Asset::Kind::page) page = a.text;
      if (a.kind == Asset::Kind::style) style = a.text;
      if (a.kind == Asset::Kind::app) app = a.text;
    }
    auto put = [&](const std::string& marker, const std::string& text) {
      const std::size_t at = page.find(marker);
      if (at != std::string::npos) page.replace(at, marker.size(), text);
    };
    put("<!--STYLE-->", "<style>\n" + style + "\n</style>");
    put("<!--LIBRARIES-->", scripts);
    put("<!--APP-->", "<script>\n" + escape_script(app) + "\n</script>");
    return page;
  }();
  return html;
}

namespace {
std::string url_for_participants(const Session& s) { return s.state()["participants"]["url"].get<std::string>(); }
}  // namespace

int serve(const ServeOptions& o, const std::function<void(int)>& on_ready) {
  // Signals go to one waiting thread, not to whichever thread happens to run.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // our own wake-up of the signal thread when the server stops by itself
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &set, &old);

  Session session(o.session);
  ApiOptions ao;
  if (!Api::loopback(o.host)) ao.facilitator_key = random_key();
  Api api(session, ao);
  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(24); };
  svr.set_payload_max_length(kMaxBody);
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(5, 0);
  std::atomic<int> streams{0};
  constexpr int kMaxStreams = 12;

  auto reply = [](httplib::Response& res, const Reply& r) {
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
    res.set_header("Cache-Control", "no-store");
  };
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(page_html(), "text/html; charset=utf-8");
    res.set_header("Content-Security-Policy", "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:");
  });
  svr.Get("/join", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(join_html(), "text/html; charset=utf-8");
  });
  svr.Get("/api/stream", [&](const httplib::Request&, httplib::Response& res) {
    if (streams.fetch_add(1) >= kMaxStreams) {
      streams.fetch_sub(1);
      res.status = 503;
      res.set_content(R"({"error": "too many live streams open"})", "application/json");
      return;
    }
    struct Seen {
      std::chrono::steady_clock::time_point network;
      std::uint64_t frame = 0, action = 0;
    };
    auto seen = std::make_shared<Seen>();
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&session, seen](std::size_t, httplib::DataSink& sink) {
          const std::uint64_t f = session.wait_frame(seen->frame, 1000);
          if (session.stopping()) {
            sink.done();
            return true;
          }
          // Read before the frame is built: an action while it is built ends the pause below.
          const std::uint64_t action = session.action();
          std::string msg;
          if (f == seen->frame) {
            msg = ": keep-alive\n\n";
          } else {
            seen->frame = f;
            nlohmann::json frame = session.series();
            const auto now = std::chrono::steady_clock::now();
            if (action != seen->action || now - seen->network > std::chrono::milliseconds(400)) {
              frame["network"] = session.network();
              seen->network = now;
            }
            msg = "event: frame\ndata: " + frame.dump() + "\n\n";
          }
          seen->action = action;
          if (!sink.write(msg.data(), msg.size())) return false;
          // At most ~6 frames a second per client for the weeks passing (the page redraws no
          // faster), but a facilitator's action (an event's fork, a control) goes out at once.
          session.wait_action(action, 160);
          return true;
        },
        [&streams](bool) { streams.fetch_sub(1); });
  });
  svr.Get("/api/save.h5", [&](const httplib::Request& req, httplib::Response& res) {
    const Reply gate = api.handle("GET", "/api/state", "", req.remote_addr);  // rate limit
    if (gate.status != 200) return reply(res, gate);
    const auto path = std::filesystem::temp_directory_path() /
                      ("cimsim-workshop-" + std::to_string(::getpid()) + "-" + random_key() + ".h5");
    try {
      session.save_hdf5(path.string(), o.command_line);
      std::ifstream in(path, std::ios::binary);
      std::ostringstream buf;
      buf << in.rdbuf();
      std::filesystem::remove(path);
      res.set_content(buf.str(), "application/x-hdf5");
      res.set_header("Content-Disposition", "attachment; filename=\"cimsim-workshop.h5\"");
    } catch (const std::exception& e) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      reply(res, error_reply(500, std::string("could not write the file: ") + e.what()));
    }
  });
  auto api_route = [&](const httplib::Request& req, httplib::Response& res) {
    reply(res, api.handle(req.method, req.path, req.body, req.remote_addr, req.get_header_value("X-Workshop-Key")));
  };
  svr.Get(R"(/api/[a-z]+)", api_route);
  svr.Post(R"(/api/[a-z]+)", api_route);
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      const std::string msg = res.status == 413 ? "request body larger than 16 KiB"
                              : res.status == 404 ? "no such resource"
                                                  : "bad request";
      res.set_content(nlohmann::json{{"error", msg}}.dump(), "application/json");
    }
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"error": "internal error"})", "application/json");
  });

  const int port = o.port > 0 ? (svr.bind_to_port(o.host, o.port) ? o.port : -1) : svr.bind_to_any_port(o.host);
  if (port < 0) throw InputError("--port", "", "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                                    " (in use, or not an address of this machine?)");
  const std::string shown = Api::loopback(o.host) || o.host == "localhost" ? "127.0.0.1" : o.host;
  const std::string url = "http://" + (shown.find(':') != std::string::npos ? "[" + shown + "]" : shown) + ":" +
                          std::to_string(port) + "/";
  // Where participants' phones reach this machine.
  const std::string lan = o.host == "0.0.0.0" ? lan_address() : "";
  session.set_join_url(lan.empty() ? url : "http://" + lan + ":" + std::to_string(port) + "/");
  std::cout << "cimsim workshop: " << session.initial_scenario().name << " at " << url
            << (ao.facilitator_key.empty() ? "" : "#key=" + ao.facilitator_key) << "  (Ctrl-C stops)" << std::endl;
  if (!ao.facilitator_key.empty())
    std::cout << "cimsim workshop: listening on " << o.host
              << "; only a browser with the key in its address (#key=...) can change the run" << std::endl;
  std::cout << "cimsim workshop: participants join at " << url_for_participants(session) << std::endl;

  std::atomic<bool> done{false};
  std::thread signals([&] {
    int sig = 0;
    sigset_t s2;
    sigemptyset(&s2);
    sigaddset(&s2, SIGINT);
    sigaddset(&s2, SIGTERM);
    sigaddset(&s2, SIGUSR1);
    sigwait(&s2, &sig);
    if (!done.load()) std::cerr << "cimsim workshop: stopping\n";
    session.stop();
    svr.stop();
  });
  if (o.open) open_browser(url);
  if (on_ready) on_ready(port);
  svr.listen_after_bind();
  done.store(true);
  if (!session.stopping()) pthread_kill(signals.native_handle(), SIGUSR1);
  signals.join();
  session.stop();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return 0;
}

}  // namespace cimsim::workshop
