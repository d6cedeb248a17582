// The decoder against third-party corpora: JSONTestSuite (tests/data/jsontestsuite) and
// real plain-text log lines from loghub (tests/data/loghub).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "decode/decoder.h"

#include "core/log_time.h"

namespace klaxon {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct SuiteFile {
  std::string name;
  std::string bytes;
};

std::vector<SuiteFile> suite_files() {
  std::vector<SuiteFile> files;
  const fs::path dir = fs::path(KLAXON_TEST_DATA) / "jsontestsuite" / "test_parsing";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    files.push_back({entry.path().filename().string(), read_file(entry.path())});
  }
  std::sort(files.begin(), files.end(),
            [](const SuiteFile& a, const SuiteFile& b) { return a.name < b.name; });
  return files;
}

// The first byte that is not blank, or 0 when there is none.
char first_byte(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return c;
  }
  return 0;
}

std::string_view trim_json_space(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

Event fresh_event() {
  Event e;
  e.source = SourceRef{"suite", 0, 0, 1};
  return e;
}

TEST(JsonTestSuite, EveryFileAsARecord) {
  const auto files = suite_files();
  ASSERT_GE(files.size(), 300u) << "JSONTestSuite files not found under " << KLAXON_TEST_DATA;
  std::map<std::string, int> outcomes;  // "y object none" -> count
  Decoder d({1 << 20, {}});
  for (const auto& f : files) {
    Event e = fresh_event();
    const DecodeError err = d.decode(f.bytes, e);
    const char kind = f.name[0];
    const bool object = first_byte(f.bytes) == '{';
    outcomes[std::string(1, kind) + (object ? " object " : " other ") +
             std::string(to_string(err))]++;
    // Only records that start with '{' are JSON; the others never yield JSON errors.
    if (!object) {
      EXPECT_NE(err, DecodeError::malformed_json) << f.name;
      EXPECT_NE(err, DecodeError::bad_field) << f.name;
      if (err == DecodeError::none) {
        EXPECT_FALSE(e.structured) << f.name;
      }
    }
    if (kind == 'y') {
      if (object) {
        EXPECT_EQ(err, DecodeError::none) << f.name << ": " << d.detail();
        EXPECT_TRUE(e.structured) << f.name;
      } else {
        EXPECT_TRUE(err == DecodeError::none || err == DecodeError::invalid_utf8 ||
                    err == DecodeError::empty)
            << f.name << ": " << to_string(err);
      }
    } else if (kind == 'n' && object) {
      EXPECT_NE(err, DecodeError::none) << f.name << " was accepted";
      EXPECT_NE(err, DecodeError::bad_field) << f.name << ": " << d.detail();
    }
  }
  for (const auto& [outcome, count] : outcomes)
    std::cout << "  " << outcome << ": " << count << "\n";
}

// Every file's content as the value of a field, so the whole suite exercises the validation
// of nested values (most files are arrays or scalars at the top level).
TEST(JsonTestSuite, EveryFileAsAFieldValue) {
  const auto files = suite_files();
  ASSERT_GE(files.size(), 300u);
  Decoder d({1 << 20, {"captured"}});
  std::map<std::string, int> outcomes;
  for (const auto& f : files) {
    for (const char* field : {"captured", "walked"}) {
      const std::string record = std::string(R"({"message":"m",")") + field + "\":" + f.bytes + "}";
      Event e = fresh_event();
      const DecodeError err = d.decode(record, e);
      outcomes[std::string(1, f.name[0]) + " " + field + " " + std::string(to_string(err))]++;
      if (f.name[0] == 'y') {
        EXPECT_TRUE(err == DecodeError::none || err == DecodeError::invalid_utf8)
            << f.name << " as " << field << ": " << d.detail();
        if (err != DecodeError::none) continue;
        EXPECT_EQ(e.message, "m") << f.name;
        std::string_view captured;
        if (field == std::string_view("captured")) {
          ASSERT_TRUE(e.field("captured", captured)) << f.name;
          const std::string_view json = trim_json_space(f.bytes);
          if (!json.empty() && json.front() != '"') {
            EXPECT_EQ(captured, json) << f.name;  // raw JSON text of non-strings
          }
        } else {
          EXPECT_FALSE(e.field("captured", captured)) << f.name;
        }
      } else if (f.name[0] == 'n') {
        EXPECT_NE(err, DecodeError::none) << f.name << " as " << field << " was accepted";
      }
    }
  }
  for (const auto& [outcome, count] : outcomes)
    std::cout << "  " << outcome << ": " << count << "\n";
}

TEST(Loghub, ZookeeperLinesArePlainEvents) {
  const std::string text = read_file(fs::path(KLAXON_TEST_DATA) / "loghub" / "Zookeeper_200.log");
  ASSERT_FALSE(text.empty());
  Decoder d({1 << 20, {}});
  size_t lines = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    const std::string record = text.substr(start, end - start);  // with its CRLF
    start = end;
    std::string line = record;
    if (line.ends_with("\r\n")) line.resize(line.size() - 2);
    ++lines;

    Event e = fresh_event();
    ASSERT_EQ(d.decode(record, e), DecodeError::none) << record << ": " << d.detail();
    EXPECT_FALSE(e.structured);
    EXPECT_EQ(e.message, line);
    EXPECT_EQ(e.timestamp_ms, *find_log_timestamp_ms(line)) << "its own time";
    // Without its line ending too.
    ASSERT_EQ(d.decode(line, e), DecodeError::none);
    EXPECT_EQ(e.message, line);
  }
  EXPECT_EQ(lines, 200u);
}

}  // namespace
}  // namespace klaxon
