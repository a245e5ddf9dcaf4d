// docs/model.md must match the code: its parameter table is the output of
// `cimsim describe baseline --markdown`, and it names every phase of the schedule.
#include "engine/model/model.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <type_traits>
#include <fstream>
#include <sstream>

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string command_output(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}
}  // namespace

TEST(Docs, ModelParameterTableMatchesTheCode) {
  const std::string doc = read_file(std::string(CIMSIM_SOURCE_DIR) + "/docs/model.md");
  ASSERT_FALSE(doc.empty());
  const std::string table = command_output(std::string(CIMSIM_BINARY) + " describe baseline --markdown");
  ASSERT_NE(table.find("| `backbone.staff` |"), std::string::npos) << table;
  EXPECT_NE(doc.find(table), std::string::npos)
      << "docs/model.md section 9 is out of date; replace its table with the output of "
         "`build/bin/cimsim describe baseline --markdown`";
}

TEST(Docs, ModelDocumentNamesEveryPhase) {
  const std::string doc = read_file(std::string(CIMSIM_SOURCE_DIR) + "/docs/model.md");
  for (const auto& p : cimsim::model::Model::phase_info())
    EXPECT_NE(doc.find("**" + p.name + "**"), std::string::npos) << p.name;
}

// Section 6.1 names every event type and every key of it that the spec tables declare.
TEST(Docs, ModelDocumentNamesEveryEventTypeAndKey) {
  const std::string doc = read_file(std::string(CIMSIM_SOURCE_DIR) + "/docs/model.md");
  const auto begin = doc.find("### 6.1 events"), end = doc.find("### 6.2");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string section = doc.substr(begin, end - begin);
  std::size_t keys = 0;
  cimsim::model::ev::for_each_type([&]<class T>(std::type_identity<T>) {
    EXPECT_NE(section.find(std::string("`") + T::info.type + "`"), std::string::npos) << T::info.type;
    for (const auto& f : cimsim::model::ev::fields_of<T>()) {
      ++keys;
      EXPECT_NE(section.find(f.key), std::string::npos) << T::info.type << "." << f.key;
    }
  });
  EXPECT_EQ(keys, 20u);  // the spec tables were read
}
