// docs/model.md must match the code: its parameter table is the output of
// `cimsim describe baseline --markdown`, and it names every phase of the schedule.
#include "engine/model/model.hpp"

#include <gtest/gtest.h>

#include <cstdio>
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
