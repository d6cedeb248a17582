#include "sink/doc_encoder.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace klaxon {
namespace {

DocEncoder encoder(const std::string& pattern = "logstash-%{type}-%Y.%m.%d") {
  std::string error;
  auto p = IndexPattern::parse(pattern, error);
  EXPECT_TRUE(p) << error;
  return DocEncoder(*p, 1 << 20);
}

RecordView record(std::string_view value, int64_t offset = 42) {
  return RecordView{"pay_log_topic", 2, offset, 1'700'000'000'000, "k1", value};
}

TEST(DocEncoder, JsonEventKeptAsItIsUnderAnIdFromItsPosition) {
  DocEncoder e = encoder();
  BulkDoc doc;
  std::string value =
      R"({"message":"boom","@timestamp":"2026-11-24T10:15:30.123Z","type":"pay","tags":["x"]})";
  ASSERT_EQ(e.encode(record(value), doc), DecodeError::none);
  EXPECT_EQ(doc.lines,
            R"({"index":{"_index":"logstash-pay-2026.11.24","_id":"pay_log_topic-2-42"}})"
            "\n" +
                value + "\n");
  EXPECT_EQ(doc.record_value(), value);
  EXPECT_TRUE(doc.original.empty());
  EXPECT_EQ(doc.key, "k1");
  EXPECT_EQ(doc.offset, 42);
}

TEST(DocEncoder, LineBreaksBetweenTokensBecomeSpacesAndTheOriginalIsKept) {
  DocEncoder e = encoder();
  BulkDoc doc;
  std::string value = "{\"message\":\"a\\nb\",\r\n \"type\":\"pay\"}\n";
  ASSERT_EQ(e.encode(record(value), doc), DecodeError::none);
  std::string source = doc.lines.substr(doc.source_begin);
  EXPECT_EQ(source.find('\n'), source.size() - 1) << source;  // one line
  simdjson::dom::parser parser;
  std::string_view message;
  ASSERT_FALSE(parser.parse(source)["message"].get_string().get(message));
  EXPECT_EQ(message, "a\nb");  // escaped line breaks inside strings are untouched
  EXPECT_EQ(doc.record_value(), value);
}

TEST(DocEncoder, PlainLineWrappedAsLogstashWouldAndIndexedByItsTime) {
  DocEncoder e = encoder();
  BulkDoc doc;
  std::string line = "2026-11-24 10:15:30,123 ERROR pay \"quoted\" failed";
  ASSERT_EQ(e.encode(record(line), doc), DecodeError::none);
  EXPECT_NE(doc.lines.find(R"("_index":"logstash-unknown-2026.11.24")"), std::string::npos)
      << doc.lines;
  simdjson::dom::parser parser;
  simdjson::dom::element source;
  ASSERT_FALSE(parser.parse(doc.lines.substr(doc.source_begin)).get(source));
  EXPECT_EQ(std::string_view(source["message"]), line);
  EXPECT_EQ(std::string_view(source["@timestamp"]), "2026-11-24T10:15:30.123Z");
  EXPECT_EQ(doc.record_value(), line);
}

TEST(DocEncoder, BadRecordsAreRefusedWithTheDecoderReason) {
  DocEncoder e = encoder();
  BulkDoc doc;
  EXPECT_EQ(e.encode(record(R"({"message":"cut)"), doc), DecodeError::malformed_json);
  EXPECT_FALSE(e.detail().empty());
  EXPECT_EQ(e.encode(record(""), doc), DecodeError::empty);
}

TEST(DocEncoder, EventWithoutTimestampUsesTheKafkaTime) {
  DocEncoder e = encoder("app-%Y.%m.%d");
  BulkDoc doc;
  ASSERT_EQ(e.encode(record(R"({"message":"x"})"), doc), DecodeError::none);
  // 1,700,000,000,000 ms is 2023-11-14T22:13:20Z.
  EXPECT_NE(doc.lines.find(R"("_index":"app-2023.11.14")"), std::string::npos) << doc.lines;
}

}  // namespace
}  // namespace klaxon
