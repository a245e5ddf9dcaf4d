// The workshop's HTTP/JSON API (api.hpp).
#include "app/workshop/api.hpp"

#include "engine/error.hpp"

#include <algorithm>
#include <set>

namespace cimsim::workshop {

using nlohmann::json;

Reply error_reply(int status, const std::string& message) { return {status, json{{"error", message}}.dump()}; }

bool RateLimiter::allow(const std::string& client, std::chrono::steady_clock::time_point now) {
  std::lock_guard lk(mu_);
  if (buckets_.size() > 4096 && buckets_.find(client) == buckets_.end()) buckets_.clear();  // bounded memory
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double dt = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + dt * rate_);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

Api::Api(Session& s, ApiOptions o)
    : s_(s), o_(std::move(o)), post_(o_.post_per_second, o_.post_burst), get_(o_.get_per_second, o_.get_burst) {}

bool Api::loopback(const std::string& client) {
  return client == "127.0.0.1" || client == "::1" || client == "::ffff:127.0.0.1" || client.starts_with("127.");
}

namespace {

// Rejects fields other than `allowed` (the first unknown one is named).
void only(const json& j, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw RequestError(400, "unknown field '" + k.substr(0, 64) + "' (allowed: " + list + ")");
    }
  }
}

const json& required(const json& j, const char* key) {
  if (!j.contains(key)) throw RequestError(400, std::string("missing field '") + key + "'");
  return j.at(key);
}

}  // namespace

Reply Api::control(const json& j) {
  only(j, {"action", "scenario", "weeks_per_second", "weeks"});
  const json& a = required(j, "action");
  if (!a.is_string()) throw RequestError(400, "field 'action': expected a string: play, pause, step, reset or speed");
  const std::string action = a.get<std::string>();
  if (j.contains("scenario") && action != "reset") throw RequestError(400, "field 'scenario' goes with action reset");
  if (j.contains("weeks_per_second") && action != "speed")
    throw RequestError(400, "field 'weeks_per_second' goes with action speed");
  if (j.contains("weeks") && action != "round") throw RequestError(400, "field 'weeks' goes with action round");
  if (action == "play") s_.play();
  else if (action == "pause") s_.pause();
  else if (action == "step") s_.step_month();
  else if (action == "reset") {
    std::optional<std::string> scenario;
    if (j.contains("scenario")) {
      if (!j["scenario"].is_string()) throw RequestError(400, "field 'scenario': expected a built-in scenario name");
      scenario = j["scenario"].get<std::string>().substr(0, 200);
    }
    s_.reset(scenario);
  } else if (action == "speed") {
    const json& w = required(j, "weeks_per_second");
    if (!w.is_number()) throw RequestError(400, "field 'weeks_per_second': expected a number");
    s_.set_speed(w.get<double>());
  } else if (action == "round") {
    const json& w = required(j, "weeks");
    if (!w.is_number_integer()) throw RequestError(400, "field 'weeks': expected a whole number of weeks");
    s_.set_round_weeks(static_cast<int>(std::clamp<std::int64_t>(w.get<std::int64_t>(), -1, 1000)));
  } else {
    throw RequestError(400, "field 'action': expected play, pause, step, reset, speed or round, got '" +
                                action.substr(0, 64) + "'");
  }
  return {200, s_.state().dump()};
}

Reply Api::events(const json& j) { return {200, s_.press_event(j).dump()}; }

Reply Api::parameters(const json& j) {
  only(j, {"key", "value"});
  const json& k = required(j, "key");
  if (!k.is_string()) throw RequestError(400, "field 'key': expected a parameter key such as \"backbone.staff\"");
  return {200, s_.set_parameter(k.get<std::string>(), required(j, "value")).dump()};
}

Reply Api::handle(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& client, const std::string& key) {
  try {
    if (method == "GET") {
      if (!get_.allow(client)) return error_reply(429, "too many requests; slow down");
      if (!body.empty()) return error_reply(400, "a GET request has no body");
      if (path == "/api/state") return {200, s_.state().dump()};
      if (path == "/api/series") return {200, s_.series().dump()};
      if (path == "/api/network") return {200, s_.network().dump()};
      if (path == "/api/parameters") return {200, s_.parameters().dump()};
      if (path == "/api/scenarios") return {200, Session::scenarios().dump()};
      if (path == "/api/organisations") return {200, s_.organisations().dump()};
      return error_reply(404, "no such resource: " + path.substr(0, 100));
    }
    if (method != "POST") return error_reply(405, "method not allowed");
    static const std::set<std::string> posts = {"/api/control", "/api/events", "/api/parameters", "/api/join",
                                                "/api/choice", "/api/me"};
    if (!posts.count(path)) return error_reply(404, "no such resource: " + path.substr(0, 100));
    if (!post_.allow(client)) return error_reply(429, "too many requests; slow down");
    const bool participant = path == "/api/join" || path == "/api/choice" || path == "/api/me";
    if (!participant && !o_.facilitator_key.empty() && !loopback(client) && key != o_.facilitator_key)
      return error_reply(403, "only the facilitator may change the run (X-Workshop-Key header missing or wrong)");
    if (body.size() > kMaxBody) return error_reply(413, "request body larger than 16 KiB");
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return error_reply(400, "the body is not valid JSON");
    if (!j.is_object()) return error_reply(400, "expected a JSON object");
    if (path == "/api/control") return control(j);
    if (path == "/api/events") return events(j);
    if (path == "/api/join") return {200, s_.join(j).dump()};
    if (path == "/api/choice") return {200, s_.choose(j).dump()};
    if (path == "/api/me") return {200, s_.me(j).dump()};
    return parameters(j);
  } catch (const RequestError& e) {
    return error_reply(e.status, e.what());
  } catch (const InputError& e) {
    return error_reply(400, e.what());
  } catch (const json::exception& e) {
    return error_reply(400, std::string("bad value: ") + e.what());
  } catch (const std::exception& e) {
    return error_reply(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace cimsim::workshop
