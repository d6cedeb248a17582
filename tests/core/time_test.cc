#include "core/time.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

TEST(ParseTimestamp, LogstashUtcWithMillis) {
  auto ms = parse_timestamp_ms("2026-11-24T10:15:30.123Z");
  ASSERT_TRUE(ms);
  EXPECT_EQ(*ms, 1795515330123LL);
  EXPECT_EQ(format_timestamp_ms(*ms), "2026-11-24T10:15:30.123Z");
}

TEST(ParseTimestamp, OffsetsFractionsAndSpaceSeparator) {
  EXPECT_EQ(parse_timestamp_ms("2026-11-24T18:15:30+08:00"),
            parse_timestamp_ms("2026-11-24T10:15:30Z"));
  EXPECT_EQ(*parse_timestamp_ms("1970-01-01 00:00:01,5"), 1500);
  EXPECT_EQ(*parse_timestamp_ms("1970-01-01T00:00:00.123456789Z"), 123);
  EXPECT_EQ(*parse_timestamp_ms("1969-12-31T23:59:59.000Z"), -1000);
}

TEST(ParseTimestamp, RejectsGarbage) {
  for (const char* bad : {"", "2026", "2026-13-01T00:00:00Z", "2026-11-24T10:15:30.Z",
                          "2026-11-24T10:15:30Zjunk", "yesterday", "2026-11-24X10:15:30Z"})
    EXPECT_FALSE(parse_timestamp_ms(bad)) << bad;
  // Logstash's exact form has a fast path: it rejects what the general parser rejects.
  for (const char* bad :
       {"2026-13-24T10:15:30.123Z", "2026-11-32T10:15:30.123Z", "2026-11-24T24:15:30.123Z",
        "2026-11-24T10:60:30.123Z", "2026-11-24T10:15:61.123Z", "2026-11-24T10:15:30.12aZ",
        "2026-1/-24T10:15:30.123Z", "2026-00-24T10:15:30.123Z"})
    EXPECT_FALSE(parse_timestamp_ms(bad)) << bad;
  EXPECT_EQ(*parse_timestamp_ms("2026-11-24T10:15:60.123Z"),
            *parse_timestamp_ms("2026-11-24T10:16:00.123Z"))
      << "a leap second, as the general parser reads it";
}

TEST(Duration, ParsesAndFormatsUnits) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("30s")->count(), 30'000);
  EXPECT_EQ(parse_duration("5m")->count(), 300'000);
  EXPECT_EQ(parse_duration("2h")->count(), 7'200'000);
  EXPECT_EQ(parse_duration("1d")->count(), 86'400'000);
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("m"));
  EXPECT_FALSE(parse_duration("-5m"));
  EXPECT_FALSE(parse_duration("5 minutes"));
  EXPECT_EQ(format_duration(std::chrono::milliseconds(300'000)), "5m");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace klaxon
