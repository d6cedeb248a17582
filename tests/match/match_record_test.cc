#include "match/match_record.h"

#include <gtest/gtest.h>

#include <map>

namespace klaxon {
namespace {

// Event fields are views: the caller keeps `message` alive.
Event stack_event(const std::string& message) {
  Event e;
  e.message = message;
  e.timestamp_ms = 1'764'000'000'123;
  e.type = "pay-biz";
  e.host = "pay-app-03";
  e.path = "/data/logs/pay.log";
  e.tags = {"exception_stack", "pay"};
  e.source = SourceRef{"pay_log_topic", 2, 991, 1'764'000'000'200};
  return e;
}

std::string lines(int n) {
  std::string m;
  for (int i = 0; i < n; ++i) m += (i ? "\n" : "") + std::string("line ") + std::to_string(i);
  return m;
}

TEST(MatchRecord, RoundTripsWhatTheStateStageAndTheAlertNeed) {
  std::string message = lines(3);
  Event e = stack_event(message);
  std::string encoded;
  encode_match_record(e, {"req-1", "req-2"}, {{"bug@any@1", "fp1"}, {"errors@any@2", "errors"}},
                      MatchRecordLimits{}, encoded);
  MatchRecord r;
  ASSERT_TRUE(decode_match_record(encoded, r));
  EXPECT_EQ(r.event_time_ms, e.timestamp_ms);
  EXPECT_EQ(r.sample.source.topic, "pay_log_topic");
  EXPECT_EQ(r.sample.source.partition, 2);
  EXPECT_EQ(r.sample.source.offset, 991);
  EXPECT_EQ(r.sample.source.kafka_timestamp_ms, 1'764'000'000'200);
  EXPECT_EQ(r.sample.host, "pay-app-03");
  EXPECT_EQ(r.sample.path, "/data/logs/pay.log");
  EXPECT_EQ(r.sample.type, "pay-biz");
  EXPECT_EQ(r.sample.tags, (std::vector<std::string_view>{"exception_stack", "pay"}));
  EXPECT_EQ(r.sample.message, message);
  EXPECT_EQ(r.sample.message_lines, 3u);
  EXPECT_EQ(r.request_ids, (std::vector<std::string_view>{"req-1", "req-2"}));
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[1].state_id, "errors@any@2");
  EXPECT_EQ(r.entries[1].group_key, "errors");
}

TEST(MatchRecord, CarriesOnlyTheHeadOfALongMessageButCountsAllItsLines) {
  std::string message = lines(80);
  Event e = stack_event(message);
  std::string encoded;
  MatchRecordLimits limits;
  limits.message_lines = 50;
  encode_match_record(e, {}, {{"s", "g"}}, limits, encoded);
  MatchRecord r;
  ASSERT_TRUE(decode_match_record(encoded, r));
  EXPECT_EQ(r.sample.message, lines(50));
  EXPECT_EQ(r.sample.message_lines, 80u);
  limits.message_bytes = 12;  // "line 0\nline" plus a cut
  encode_match_record(e, {}, {{"s", "g"}}, limits, encoded);
  ASSERT_TRUE(decode_match_record(encoded, r));
  EXPECT_EQ(r.sample.message, "line 0\nline ");
}

TEST(MatchRecord, RejectsTruncationTrailingBytesAndOtherVersions) {
  std::string message = "x";  // the event's fields are views: keep their text alive
  Event e = stack_event(message);
  std::string encoded;
  encode_match_record(e, {"r"}, {{"s", "g"}}, MatchRecordLimits{}, encoded);
  MatchRecord r;
  for (size_t n = 0; n < encoded.size(); ++n)
    EXPECT_FALSE(decode_match_record(std::string_view(encoded).substr(0, n), r)) << n;
  EXPECT_FALSE(decode_match_record(encoded + "x", r));
  std::string other = encoded;
  other[0] = static_cast<char>(kMatchRecordVersion + 1);
  EXPECT_FALSE(decode_match_record(other, r));
  EXPECT_TRUE(decode_match_record(encoded, r));
}

TEST(StatePartition, IsStableAndSpreadsGroups) {
  // The value places stored state: it must never change between releases.
  EXPECT_EQ(state_partition("bug@any@0123", "fp-1", 1000),
            86);  // fnv1a64("bug@any@0123" 0x1f "fp-1") mod 1000
  EXPECT_EQ(state_partition("bug@any@0123", "fp-1", 3), state_partition("bug@any@0123", "fp-1", 3));
  EXPECT_EQ(state_partition("a", "b", 1), 0);
  EXPECT_EQ(state_partition("a", "b", 0), 0);
  std::map<int32_t, int> counts;
  for (int i = 0; i < 3000; ++i) ++counts[state_partition("bug", "group-" + std::to_string(i), 3)];
  ASSERT_EQ(counts.size(), 3u);
  for (auto [p, n] : counts) {
    EXPECT_GE(p, 0);
    EXPECT_GT(n, 800) << p;
  }
  // Separated: ("ab", "c") and ("a", "bc") are different groups.
  EXPECT_NE(state_partition("ab", "c", 1 << 30), state_partition("a", "bc", 1 << 30));
}

}  // namespace
}  // namespace klaxon
