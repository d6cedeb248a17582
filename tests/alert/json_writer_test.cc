#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace klaxon {
namespace {

TEST(JsonWriter, WritesNestedDocument) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", "x").field("n", int64_t{-3}).field("b", true);
  w.field("list", std::vector<std::string>{"p", "q"});
  w.key("o").begin_object().field("k", uint64_t{7}).end_object();
  w.field("after", "y").end_object();
  EXPECT_EQ(out, R"({"a":"x","n":-3,"b":true,"list":["p","q"],"o":{"k":7},"after":"y"})");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  std::string out;
  append_json_string(out, "line1\n\tat x \"q\" \\ \x01");
  EXPECT_EQ(out, R"("line1\n\tat x \"q\" \\ \u0001")");
}

TEST(JsonWriter, ReplacesInvalidUtf8SoOutputStaysValidJson) {
  std::string out;
  append_json_string(out, std::string("ok \xc3\xa9 bad \xff\xfe end \xed\xa0\x80", 20));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  std::string_view s;
  ASSERT_EQ(doc.get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace klaxon
