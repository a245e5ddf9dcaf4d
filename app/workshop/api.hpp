// The workshop's HTTP/JSON API, independent of the HTTP library: the server (server.cpp) passes
// each request's method, path, body and client here, and tests call it directly. Every message
// is validated (size, JSON, object, unknown fields, types, ranges through the session, rate per
// client) and a bad one gets an error reply {"error": "..."} with a 4xx status, never a crash.
#pragma once

#include "app/workshop/session.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace cimsim::workshop {

inline constexpr std::size_t kMaxBody = 16 * 1024;  // bytes of a request body

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Token bucket per client address: `burst` requests at once, `per_second` on average.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  bool allow(const std::string& client, std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

struct ApiOptions {
  // Requests that change the run (control, events, parameters) from an address other than the
  // loopback must carry this key (header X-Workshop-Key); empty: no key needed.
  std::string facilitator_key;
  double post_per_second = 10.0, post_burst = 30.0;
  double get_per_second = 60.0, get_burst = 120.0;
};

class Api {
 public:
  Api(Session& s, ApiOptions o);
  // path without query string. key: the X-Workshop-Key header ("" when absent).
  Reply handle(const std::string& method, const std::string& path, const std::string& body,
               const std::string& client, const std::string& key = "");
  static bool loopback(const std::string& client);

 private:
  Reply control(const nlohmann::json& j);
  Reply events(const nlohmann::json& j);
  Reply parameters(const nlohmann::json& j);
  Session& s_;
  ApiOptions o_;
  RateLimiter post_, get_;
};

Reply error_reply(int status, const std::string& message);

}  // namespace cimsim::workshop
