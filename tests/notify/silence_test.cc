// klaxon's own silences: what a silence matches, when it is in force, its record format in
// the silences topic, and the store every pod keeps of that topic.
#include "notify/silence.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

constexpr int64_t kNow = 1795515330000;  // 2026-11-25T...

Alert stack_alert(const std::string& host) {
  Alert a;
  a.id = "a1";
  a.rule = "pay-exception-stack";
  a.rule_type = "any";
  a.severity = "critical";
  a.group_key = "NullPointerException@PayService.charge";
  a.type = "pay-biz";
  a.host = host;
  return a;
}

Silence silence(std::string rule, std::map<std::string, std::string> match) {
  Silence s;
  s.id = "s1";
  s.rule = std::move(rule);
  s.match = std::move(match);
  s.starts_ms = kNow - 1000;
  s.ends_ms = kNow + 2 * 3600 * 1000;
  s.created_by = "ana";
  s.comment = "deploy of pay 4.2";
  return s;
}

TEST(Silence, MatchesItsRuleAndEveryMatcherOnly) {
  Alert on_3 = stack_alert("pay-3"), on_4 = stack_alert("pay-4");
  EXPECT_TRUE(silence("pay-exception-stack", {}).matches(on_3));
  EXPECT_FALSE(silence("pay-error-log", {}).matches(on_3));
  EXPECT_TRUE(silence("pay-exception-stack", {{"host", "pay-3"}}).matches(on_3));
  EXPECT_FALSE(silence("pay-exception-stack", {{"host", "pay-3"}}).matches(on_4));
  // Without a rule, labels alone decide; all of them must match.
  EXPECT_TRUE(silence("", {{"service", "pay-biz"}, {"severity", "critical"}}).matches(on_4));
  EXPECT_FALSE(silence("", {{"service", "pay-biz"}, {"severity", "error"}}).matches(on_4));
  // A label the alert does not have never matches (flatline alerts have no host).
  Alert no_host = stack_alert("");
  EXPECT_FALSE(silence("", {{"host", "pay-3"}}).matches(no_host));
  EXPECT_TRUE(silence("", {{"alertname", "pay-exception-stack"}}).matches(no_host));
}

TEST(Silence, IsInForceFromItsStartUntilItsEnd) {
  Silence s = silence("r", {});
  s.starts_ms = kNow;
  s.ends_ms = kNow + 1000;
  EXPECT_EQ(s.state(kNow - 1), "pending");
  EXPECT_EQ(s.state(kNow), "active");
  EXPECT_EQ(s.state(kNow + 999), "active");
  EXPECT_EQ(s.state(kNow + 1000), "expired");
}

TEST(Silence, RoundTripsThroughItsTopicRecord) {
  Silence s = silence("pay-exception-stack", {{"host", "pay-3"}, {"severity", "critical"}});
  Silence back;
  std::string error;
  ASSERT_TRUE(from_json(to_json(s), back, error)) << error;
  EXPECT_EQ(back.id, s.id);
  EXPECT_EQ(back.rule, s.rule);
  EXPECT_EQ(back.match, s.match);
  EXPECT_EQ(back.starts_ms, s.starts_ms);
  EXPECT_EQ(back.ends_ms, s.ends_ms);
  EXPECT_EQ(back.created_by, "ana");
  EXPECT_EQ(back.comment, "deploy of pay 4.2");
}

TEST(Silence, RejectsRecordsItCannotTrust) {
  Silence out;
  std::string error;
  EXPECT_FALSE(from_json("not json", out, error));
  EXPECT_FALSE(from_json(R"({"id":"x","starts_at":"yesterday","ends_at":"2026-11-25T00:00:00Z"})",
                         out, error));
  EXPECT_NE(error.find("starts_at"), std::string::npos) << error;
  EXPECT_FALSE(from_json(
      R"({"id":"x","starts_at":"2026-11-25T00:00:00Z","ends_at":"2026-11-25T01:00:00Z","match":{"host":3}})",
      out, error));
  EXPECT_NE(error.find("host"), std::string::npos) << error;
}

TEST(Silence, MatchersAreLabelEqualsValue) {
  std::pair<std::string, std::string> m;
  std::string error;
  ASSERT_TRUE(parse_matcher("host=pay-3", m, error));
  EXPECT_EQ(m.first, "host");
  EXPECT_EQ(m.second, "pay-3");
  ASSERT_TRUE(parse_matcher("group=a=b", m, error));  // the value may hold '='
  EXPECT_EQ(m.second, "a=b");
  EXPECT_FALSE(parse_matcher("host", m, error));
  EXPECT_FALSE(parse_matcher("=pay-3", m, error));
  EXPECT_FALSE(parse_matcher("host=", m, error));
}

TEST(SilenceStore, FollowsTheTopicRecordsAndTombstones) {
  SilenceStore store;
  std::string error;
  Silence s = silence("pay-exception-stack", {{"host", "pay-3"}});
  ASSERT_TRUE(store.apply(s.id, to_json(s), error)) << error;
  EXPECT_EQ(store.silenced_by(stack_alert("pay-3"), kNow), "s1");
  EXPECT_EQ(store.silenced_by(stack_alert("pay-4"), kNow), std::nullopt);
  EXPECT_EQ(store.silenced_by(stack_alert("pay-3"), s.ends_ms), std::nullopt);  // over

  // `klaxon silence expire` rewrites it with ends_at = now.
  s.ends_ms = kNow;
  ASSERT_TRUE(store.apply(s.id, to_json(s), error));
  EXPECT_EQ(store.silenced_by(stack_alert("pay-3"), kNow), std::nullopt);
  EXPECT_EQ(store.count_by_state(kNow)["expired"], 1u);
  EXPECT_NE(store.to_json(kNow).find(R"("state":"expired")"), std::string::npos);

  ASSERT_TRUE(store.apply(s.id, std::nullopt, error));  // tombstone
  EXPECT_TRUE(store.all().empty());
  EXPECT_EQ(store.to_json(kNow), "[]");
}

TEST(SilenceStore, IgnoresARecordWhoseKeyIsNotItsId) {
  SilenceStore store;
  std::string error;
  EXPECT_FALSE(store.apply("other", to_json(silence("r", {})), error));
  EXPECT_NE(error.find("other"), std::string::npos);
  EXPECT_FALSE(store.apply("s1", std::string_view("{"), error));
  EXPECT_TRUE(store.all().empty());
}

}  // namespace
}  // namespace klaxon
