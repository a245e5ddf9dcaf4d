// Text helpers shared by the analyses' table and CSV output (compare, sensitivity).
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace cimsim::text {

// JSON number, or null for NaN and infinities (JSON has no NaN).
nlohmann::json number(double v);
// A JSON number as double; NaN for null.
double num(const nlohmann::json& j);
// {"estimate", "lo", "hi"}.
nlohmann::json interval(double estimate, double lo, double hi);

// Fixed-point text with `decimals` digits (sign: always a sign); "-" for NaN.
std::string fixed(double v, int decimals, bool sign);
// "estimate [lo, hi]" with enough decimals for two significant digits of the largest magnitude
// (at least min_decimals), signs shown if sign, and a '*' when mark and the interval excludes 0.
std::string interval_text(double est, double lo, double hi, int min_decimals, bool mark, bool sign = true);
// Rows of cells as left-aligned columns two spaces apart, one line per row.
std::string columns(const std::vector<std::vector<std::string>>& rows);
// A CSV field, quoted if needed.
std::string csv_field(const std::string& s);
// A JSON number as CSV text ("" for null).
std::string csv_number(const nlohmann::json& v);

}  // namespace cimsim::text
