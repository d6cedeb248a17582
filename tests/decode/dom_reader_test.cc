#include "decode/dom_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace klaxon {
namespace {

// Reads `json` through a padded copy, as the decoder hands it over.
struct Reader {
  DomReader dom{1 << 20};
  std::string padded;
  std::vector<std::string> extra{"merchant"};
  Event event;

  bool read(const std::string& json) {
    padded = json + std::string(simdjson::SIMDJSON_PADDING, '\0');
    event = Event{};
    return dom.read(padded.data(), json.size(), extra, event);
  }
};

TEST(DomReader, ReadsTheCommonLogstashEvent) {
  Reader r;
  ASSERT_TRUE(r.read(R"({"message":"ERROR x\n\tat a.B","@timestamp":"2026-11-24T10:15:30.123Z",)"
                     R"("@version":"1","type":"pay-biz","tags":["exception_stack","multiline"],)"
                     R"("host":"pay-app-01","path":"/data/pay.log","merchant":"M1",)"
                     R"("nested":{"a":[1,2.5e3,null,true]}})"));
  EXPECT_EQ(r.event.message, "ERROR x\n\tat a.B") << "unescaped";
  EXPECT_EQ(r.event.timestamp_text, "2026-11-24T10:15:30.123Z");
  EXPECT_EQ(r.event.type, "pay-biz");
  EXPECT_EQ(r.event.host, "pay-app-01");
  EXPECT_EQ(r.event.path, "/data/pay.log");
  EXPECT_EQ(r.event.tags, (std::vector<std::string_view>{"exception_stack", "multiline"}));
  ASSERT_EQ(r.event.fields.size(), 1u);
  EXPECT_EQ(r.event.fields[0].value, "M1");
  EXPECT_EQ(r.event.fields[0].name.data(), r.extra[0].data()) << "named by the option's string";
}

TEST(DomReader, NullsAreAbsentAndTheLastDuplicateWins) {
  Reader r;
  ASSERT_TRUE(r.read(R"({"message":null,"tags":"one","host":null,"merchant":"a",)"
                     R"("merchant":"b","type":"x","type":"y"})"));
  EXPECT_EQ(r.event.message.data(), nullptr);
  EXPECT_EQ(r.event.tags, (std::vector<std::string_view>{"one"}));
  EXPECT_EQ(r.event.type, "y");
  ASSERT_EQ(r.event.fields.size(), 1u);
  EXPECT_EQ(r.event.fields[0].value, "b");
  ASSERT_TRUE(r.read(R"({"tags":["a"],"tags":null})"));
  EXPECT_TRUE(r.event.tags.empty());
}

// Everything but the common case is left to the decoder's exact pass (its errors, its
// JSON text of non-string extra fields, ECS host objects, numbers DOM cannot hold).
TEST(DomReader, LeavesEverythingElseToTheExactPass) {
  Reader r;
  for (const std::string& json : {
           std::string(R"({"message":42})"),
           std::string(R"({"tags":["a",1]})"),
           std::string(R"({"tags":{"a":1}})"),
           std::string(R"({"host":{"name":"h1"}})"),
           std::string(R"({"merchant":17})"),
           std::string(R"({"big":1e400})"),
           std::string(R"({"big":123456789012345678901234567890})"),
           std::string(R"({"message":"x"} trailing)"),
           std::string(R"({"message":"x",})"),
           std::string(R"(["not","an","object"])"),
           std::string(R"({"message":"bad \q escape"})"),
           std::string(R"({"deep":)") + std::string(70, '[') + std::string(70, ']') + "}",
       })
    EXPECT_FALSE(r.read(json)) << json;
  EXPECT_TRUE(r.read(R"({"deep":)" + std::string(60, '[') + std::string(60, ']') + "}"))
      << "nesting within DomReader::kMaxDepth";
}

TEST(DomReader, GrowsForLargerRecords) {
  Reader r;
  ASSERT_TRUE(r.read(R"({"message":"short"})"));
  std::string long_message(100'000, 'x');
  ASSERT_TRUE(r.read(R"({"message":")" + long_message + R"("})"));
  EXPECT_EQ(r.event.message.size(), long_message.size());
  DomReader small(1000);  // its growth stops at max_event_bytes, not below the record
  std::string padded = R"({"message":")" + std::string(5000, 'y') + R"("})";
  size_t length = padded.size();
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  Event e;
  EXPECT_TRUE(small.read(padded.data(), length, {}, e));
}

}  // namespace
}  // namespace klaxon
