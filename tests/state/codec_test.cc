#include "state/codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace klaxon {
namespace {

using namespace state_codec;

GroupState sample_group() {
  GroupState g;
  g.count = 300;
  g.suppressed = 1ULL << 40;
  g.first_seen_ms = -5;  // negative times survive the zigzag encoding
  g.last_seen_ms = 1'764'000'000'123;
  g.last_alert_ms = std::numeric_limits<int64_t>::min();
  g.request_ids = {"req-1", "", std::string("bin\0\x1f\xff", 6), std::string(200, 'x')};
  // Deltas in both directions and across the int64 range survive too.
  g.times = {1'764'000'000'000,
             1'764'000'000'000,
             1'763'999'000'000,
             std::numeric_limits<int64_t>::max(),
             std::numeric_limits<int64_t>::min(),
             0};
  g.since_ms = -1;
  g.firing = true;
  g.window_start_ms = 1'764'000'000'000;
  g.window_count = 12;
  g.previous_count = 3;
  g.window_alerted = true;
  g.timer_due_ms = 1'764'000'600'000;
  return g;
}

TEST(GroupCodec, RoundTrips) {
  GroupState in = sample_group();
  std::string bytes;
  encode_group(in, bytes);
  EXPECT_EQ(bytes[0], static_cast<char>(kGroupVersion));
  GroupState out;
  ASSERT_TRUE(decode_group(bytes, out));
  EXPECT_EQ(out, in);

  GroupState empty;
  encode_group(empty, bytes);
  ASSERT_TRUE(decode_group(bytes, out));
  EXPECT_EQ(out, empty);
}

TEST(GroupCodec, RejectsEveryTruncation) {
  std::string bytes;
  encode_group(sample_group(), bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    GroupState out;
    out.count = 77;
    EXPECT_FALSE(decode_group(std::string_view(bytes).substr(0, n), out)) << "length " << n;
    EXPECT_EQ(out.count, 77u) << "output touched on failure, length " << n;
  }
}

TEST(GroupCodec, RejectsTrailingBytesAndUnknownVersion) {
  std::string bytes;
  encode_group(sample_group(), bytes);
  GroupState out;
  EXPECT_FALSE(decode_group(bytes + "x", out));
  std::string other_version = bytes;
  other_version[0] = static_cast<char>(kGroupVersion + 1);
  EXPECT_FALSE(decode_group(other_version, out));
  EXPECT_FALSE(decode_group("garbage that is not a group", out));
}

TEST(GroupCodec, RejectsOversizedCountsAndVarints) {
  GroupState out;
  // version, five zero fields, then an id count far beyond the bytes that follow.
  std::string huge_count = std::string("\x02\x00\x00\x00\x00\x00", 6) + "\xff\xff\xff\xff\x0f";
  EXPECT_FALSE(decode_group(huge_count, out));
  // An id whose length runs past the end.
  std::string long_id = std::string("\x02\x00\x00\x00\x00\x00\x01", 7) + "\x10" + "abc";
  EXPECT_FALSE(decode_group(long_id, out));
  // No ids, then a count of times far beyond the bytes that follow.
  std::string huge_times = std::string("\x02\x00\x00\x00\x00\x00\x00", 7) + "\xff\xff\x0f";
  EXPECT_FALSE(decode_group(huge_times, out));
  // A varint of eleven bytes, and one whose tenth byte overflows 64 bits.
  std::string too_long = "\x02" + std::string(10, '\x80') + "\x01";
  EXPECT_FALSE(decode_group(too_long, out));
  std::string overflow = "\x02" + std::string(9, '\xff') + "\x02";
  EXPECT_FALSE(decode_group(overflow, out));
  // Flags other than 0 and 1.
  GroupState flagged;
  std::string bytes;
  encode_group(flagged, bytes);
  bytes[bytes.size() - 7] = '\x02';  // firing
  EXPECT_FALSE(decode_group(bytes, out));
}

TEST(GroupCodec, ReadsVersionTwoValuesWrittenBeforeNextCount) {
  GroupState g;
  g.count = 7;
  g.window_count = 3;
  g.timer_due_ms = 1234;
  std::string bytes;
  encode_group(g, bytes);
  std::string v2 = "\x02" + bytes.substr(1, bytes.size() - 2);  // without next_count
  GroupState out;
  ASSERT_TRUE(decode_group(v2, out));
  EXPECT_EQ(out, g);
  EXPECT_FALSE(decode_group(v2 + std::string(1, '\0'), out)) << "trailing bytes in version 2";
}

TEST(GroupCodec, DecodesTheLargestVarint) {
  GroupState in;
  in.count = std::numeric_limits<uint64_t>::max();
  in.last_alert_ms = std::numeric_limits<int64_t>::max();
  std::string bytes;
  encode_group(in, bytes);
  GroupState out;
  ASSERT_TRUE(decode_group(bytes, out));
  EXPECT_EQ(out, in);
}

TEST(OutboxCodec, RoundTripsAndRejectsTruncation) {
  OutboxEntry in;
  in.alert_id = "alert-1";
  in.key = "rule/key";
  in.document = R"({"id":"alert-1","n":1})";
  in.to_topic = false;
  in.channels = {"oncall-mail", "pay-wechat"};
  in.queued_ms = 1'795'515'330'000;
  std::string bytes;
  encode_outbox(in, bytes);
  OutboxEntry out;
  ASSERT_TRUE(decode_outbox(bytes, out));
  EXPECT_EQ(out.alert_id, in.alert_id);
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.document, in.document);
  EXPECT_FALSE(out.to_topic);
  EXPECT_EQ(out.channels, in.channels);
  EXPECT_EQ(out.queued_ms, in.queued_ms);
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_outbox(std::string_view(bytes).substr(0, n), out)) << "length " << n;
  EXPECT_FALSE(decode_outbox(bytes + "x", out));
}

TEST(OutboxCodec, ReadsEntriesWrittenBeforeChannelsExisted) {
  // Version 1: id, key, document; such an entry still has to reach the alerts topic.
  std::string v1;
  v1.push_back(1);
  for (std::string_view s : {"a", "k", "{}"}) {
    v1.push_back(static_cast<char>(s.size()));
    v1.append(s);
  }
  OutboxEntry out;
  ASSERT_TRUE(decode_outbox(v1, out));
  EXPECT_EQ(out.alert_id, "a");
  EXPECT_TRUE(out.to_topic);
  EXPECT_TRUE(out.channels.empty());
}

TEST(Keys, OutboxKeysSortBySequence) {
  const uint64_t seqs[] = {
      0, 1, 255, 256, 65'535, 1ULL << 32, std::numeric_limits<uint64_t>::max()};
  for (size_t i = 1; i < std::size(seqs); ++i)
    EXPECT_LT(outbox_key(seqs[i - 1]), outbox_key(seqs[i])) << seqs[i];
  uint64_t seq = 0;
  ASSERT_TRUE(decode_outbox_key(outbox_key(1ULL << 40), seq));
  EXPECT_EQ(seq, 1ULL << 40);
  EXPECT_FALSE(
      decode_outbox_key("o\x1f"
                        "short",
                        seq));
  EXPECT_FALSE(decode_outbox_key(alert_index_key("12345678"), seq));
}

TEST(Keys, KindsDoNotOverlap) {
  EXPECT_EQ(group_key("rule", "k"), std::string("g\x1frule\x1fk"));
  EXPECT_EQ(offset_key("cluster/logs", 3), std::string("p\x1f"
                                                       "cluster/logs\x1f"
                                                       "3"));
  EXPECT_EQ(alert_index_key("id"), std::string("a\x1fid"));
  EXPECT_NE(offset_key("s", 1), offset_key("s", 11));
  EXPECT_NE(group_key("r", "k1"), group_key("r1", "k"));
}

TEST(Keys, TimerKeysSortByDueTimeAndParseBack) {
  const int64_t dues[] = {std::numeric_limits<int64_t>::min(),    -1, 0, 1, 1'764'000'000'000,
                          std::numeric_limits<int64_t>::max() - 1};
  for (size_t i = 1; i < std::size(dues); ++i) {
    EXPECT_LT(timer_key(dues[i - 1], group_key("r", "zzz")),
              timer_key(dues[i], group_key("r", "a")))
        << dues[i];
    // Everything due at or before a time sorts before the end key of that time.
    EXPECT_LT(timer_key(dues[i - 1], group_key("r", "\xff")), timers_due_end(dues[i - 1]));
    EXPECT_GE(timer_key(dues[i], group_key("r", "")), timers_due_end(dues[i - 1]));
  }
  EXPECT_LT(timer_key(std::numeric_limits<int64_t>::max(), "g"),
            timers_due_end(std::numeric_limits<int64_t>::max()));
  int64_t due;
  std::string_view group, rule, key;
  std::string timer = timer_key(-42, group_key("rule@any@1", "k\x1fwith sep"));
  ASSERT_TRUE(parse_timer_key(timer, due, group));
  EXPECT_EQ(due, -42);
  ASSERT_TRUE(parse_group_key(group, rule, key));
  EXPECT_EQ(rule, "rule@any@1");
  EXPECT_EQ(key, "k\x1fwith sep");
  EXPECT_FALSE(
      parse_timer_key("t\x1f"
                      "short",
                      due, group));
  EXPECT_FALSE(parse_group_key("g\x1fnoseparator", rule, key));
}

TEST(Fixed64, RoundTripsAndChecksLength) {
  uint64_t v = 0;
  ASSERT_TRUE(decode_fixed64(encode_fixed64(0x0102030405060708ULL), v));
  EXPECT_EQ(v, 0x0102030405060708ULL);
  EXPECT_EQ(encode_fixed64(1), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_FALSE(decode_fixed64("1234567", v));
  EXPECT_FALSE(decode_fixed64("123456789", v));
}

}  // namespace
}  // namespace klaxon
