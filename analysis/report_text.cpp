#include "analysis/report_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cimsim::text {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

double num(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN(); }

nlohmann::json interval(double estimate, double lo, double hi) {
  return {{"estimate", number(estimate)}, {"lo", number(lo)}, {"hi", number(hi)}};
}

std::string fixed(double v, int decimals, bool sign) {
  if (std::isnan(v)) return "-";
  return sign ? fmt::format("{:+.{}f}", v, decimals) : fmt::format("{:.{}f}", v, decimals);
}

std::string interval_text(double est, double lo, double hi, int min_decimals, bool mark, bool sign) {
  if (std::isnan(est)) return "-";
  double m = 0.0;
  for (double v : {est, lo, hi})
    if (std::isfinite(v)) m = std::max(m, std::abs(v));
  const int d = m > 0.0 ? std::clamp(1 - static_cast<int>(std::floor(std::log10(m))), min_decimals, 6) : min_decimals;
  return fmt::format("{} [{}, {}]{}", fixed(est, d, sign), fixed(lo, d, sign), fixed(hi, d, sign),
                     mark && (lo > 0.0 || hi < 0.0) ? "*" : "");
}

std::string columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (w.size() <= c) w.push_back(0);
      w[c] = std::max(w[c], r[c].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) line += c + 1 < r.size() ? fmt::format("{:<{}}  ", r[c], w[c]) : r[c];
    out += line + "\n";
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += c == '"' ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}

std::string csv_number(const nlohmann::json& v) { return v.is_number() ? fmt::format("{}", v.get<double>()) : std::string(); }

}  // namespace cimsim::text
