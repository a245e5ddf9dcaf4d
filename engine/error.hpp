// Errors that carry what a user needs to fix their input. main() turns them into one clear
// message and exit status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace cimsim {

// Bad user input: a scenario file, a --set value, a command-line option, an output path.
class InputError : public std::runtime_error {
 public:
  // where: "scenarios/x.toml:12" or "--set" or "--replicates"; key may be empty.
  InputError(std::string where, std::string key, std::string message)
      : std::runtime_error(format(where, key, message)),
        where_(std::move(where)), key_(std::move(key)), message_(std::move(message)) {}
  const std::string& where() const noexcept { return where_; }
  const std::string& key() const noexcept { return key_; }
  const std::string& message() const noexcept { return message_; }

 private:
  static std::string format(const std::string& where, const std::string& key, const std::string& msg) {
    std::string s = where;
    if (!key.empty()) s += (s.empty() ? "" : ": ") + std::string("key '") + key + "'";
    if (!s.empty()) s += ": ";
    return printable(s + msg);
  }
  // Control characters (a NUL byte, a newline from --set) as \xNN: one line, never cut short.
  static std::string printable(const std::string& text) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
    return out;
  }
  std::string where_, key_, message_;
};

// A run produced a value the model forbids (NaN, infinity, out of its domain).
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cimsim
