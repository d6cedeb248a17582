#include "core/text.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

TEST(Text, CountsAgreeInNumber) {
  EXPECT_EQ(plural(0, "alert"), "0 alerts");
  EXPECT_EQ(plural(1, "alert"), "1 alert");
  EXPECT_EQ(plural(2, "file"), "2 files");
  EXPECT_EQ(plural(1, "match", "matches"), "1 match");
  EXPECT_EQ(plural(3, "match", "matches"), "3 matches");
  EXPECT_EQ(plural(2'000'000, "event"), "2,000,000 events");
  EXPECT_EQ(plural(1234, "event"), "1,234 events");
  EXPECT_EQ(plural(999, "event"), "999 events");
}

TEST(Text, PrintableEscapesWhatWouldBreakALogLine) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("line1\nline2\ttab\r"), "line1\\nline2\\ttab\\r");
  EXPECT_EQ(printable("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(printable("C:\\path"), "C:\\\\path");
  EXPECT_EQ(printable("say \"x\" id=1"), "say \\\"x\\\" id=1");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe6\x94\xaf\xe4\xbb\x98"),
            "caf\xc3\xa9 \xe6\x94\xaf\xe4\xbb\x98");
}

TEST(Text, DurationsReadAsAPersonSaysThem) {
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(-5), "0s");
  EXPECT_EQ(human_duration(850), "850ms");
  EXPECT_EQ(human_duration(1000), "1s");
  EXPECT_EQ(human_duration(40192), "40.2s");
  EXPECT_EQ(human_duration(59'949), "59.9s");
  EXPECT_EQ(human_duration(59'960), "1m");  // rounds up to the next unit, not "60.0s"
  EXPECT_EQ(human_duration(90'000), "1m30s");
  EXPECT_EQ(human_duration(192'400), "3m12s");
  EXPECT_EQ(human_duration(7'200'000), "2h");
  EXPECT_EQ(human_duration(26 * 3'600'000LL), "1d2h");
}

}  // namespace
}  // namespace klaxon
