#include "core/index_pattern.h"

#include <gtest/gtest.h>

#include <map>

#include "core/time.h"

namespace klaxon {
namespace {

IndexPattern::FieldLookup fields(std::map<std::string, std::string> values) {
  return [values](std::string_view name, std::string_view& value) {
    auto it = values.find(std::string(name));
    if (it == values.end()) return false;
    value = it->second;
    return true;
  };
}

std::string render(const std::string& pattern, std::map<std::string, std::string> values,
                   const std::string& time) {
  std::string error;
  auto p = IndexPattern::parse(pattern, error);
  EXPECT_TRUE(p) << error;
  return p ? p->render(fields(std::move(values)), *parse_timestamp_ms(time)) : "";
}

TEST(IndexPattern, LogstashDefaultUsesTypeAndUtcDate) {
  EXPECT_EQ(render("logstash-%{type}-%Y.%m.%d", {{"type", "pay"}}, "2026-11-24T23:30:00+08:00"),
            "logstash-pay-2026.11.24");
  // 23:30 UTC on the 31st of December is still that day in UTC.
  EXPECT_EQ(render("logstash-%{type}-%Y.%m.%d-%H", {{"type", "pay"}}, "2026-12-31T23:30:00Z"),
            "logstash-pay-2026.12.31-23");
}

TEST(IndexPattern, FieldValuesMadeValidIndexNameParts) {
  EXPECT_EQ(render("logs-%{type}", {{"type", "Pay Service/API*"}}, "2026-01-01T00:00:00Z"),
            "logs-pay_service_api_");
  EXPECT_EQ(render("logs-%{type}", {}, "2026-01-01T00:00:00Z"), "logs-unknown");
  EXPECT_EQ(render("logs-%{type}", {{"type", ""}}, "2026-01-01T00:00:00Z"), "logs-unknown");
  EXPECT_EQ(render("logs-%{type}", {{"type", std::string(300, 'a')}}, "2026-01-01T00:00:00Z"),
            "logs-" + std::string(100, 'a'));
  EXPECT_EQ(render("100%%-%{type}", {{"type", "x"}}, "2026-01-01T00:00:00Z"), "100%-x");
}

TEST(IndexPattern, FieldsNamed) {
  std::string error;
  auto p = IndexPattern::parse("%{host}-%{type}-%Y", error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->fields(), (std::vector<std::string>{"host", "type"}));
}

TEST(IndexPattern, RefusesWhatElasticsearchWould) {
  for (const char* bad : {"", "_logs", "-logs", "Logs-%Y", "logs %Y", "logs-%F", "logs-%",
                          "logs-%{}", "logs-%{type", "a,b", "a*"}) {
    std::string error;
    EXPECT_FALSE(IndexPattern::parse(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace klaxon
