// Decoder behaviour as a user sees it: Logstash events, plain lines, every rejection reason.
#include "decode/decoder.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/time.h"

namespace klaxon {
namespace {

constexpr int64_t kKafkaTs = 1'700'000'000'000;
constexpr int64_t kLogstashTs = 1795515330123LL;  // 2026-11-24T10:15:30.123Z

Event fresh_event() {
  Event e;
  e.source = SourceRef{"logs", 3, 42, kKafkaTs};
  return e;
}

std::string field_of(const Event& e, std::string_view name) {
  std::string_view v;
  if (!e.field(name, v)) return "<absent>";
  return std::string(v);
}

const char kFullEvent[] =
    R"({"@timestamp":"2026-11-24T10:15:30.123Z","@version":"1",)"
    R"j("message":"java.lang.IllegalStateException: pool exhausted\n\tat com.pay.Pool.get(Pool.java:42)\n\tat com.pay.Api.charge(Api.java:7)",)j"
    R"("type":"pay-api","tags":["exception_stack"],"host":"pay-01","path":"/var/log/pay/api.log",)"
    R"("level":"ERROR","logger_name":"com.pay.Api","latency_ms":1250,)"
    R"("customer":"caf\u00e9 \"Le Bon\"","context":{"region":"eu-west","retries":[1,2,3]},)"
    R"("tried":[true,false,null],"cached":false,"trace":null,"ignored":{"deep":[{"x":1.5e-3}]}})";

TEST(Decoder, FullLogstashEvent) {
  Decoder d(
      {1 << 20,
       {"level", "latency_ms", "customer", "context", "tried", "cached", "trace", "not_present"}});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(kFullEvent, e), DecodeError::none) << d.detail();
  EXPECT_TRUE(d.detail().empty());
  EXPECT_TRUE(e.structured);
  EXPECT_EQ(e.message,
            "java.lang.IllegalStateException: pool exhausted\n\tat com.pay.Pool.get(Pool.java:42)"
            "\n\tat com.pay.Api.charge(Api.java:7)");
  EXPECT_EQ(e.timestamp_text, "2026-11-24T10:15:30.123Z");
  EXPECT_EQ(e.timestamp_ms, kLogstashTs);
  EXPECT_EQ(e.type, "pay-api");
  EXPECT_EQ(e.host, "pay-01");
  EXPECT_EQ(e.path, "/var/log/pay/api.log");
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_TRUE(e.has_tag("exception_stack"));
  EXPECT_EQ(e.source.topic, "logs");
  EXPECT_EQ(e.source.offset, 42);

  EXPECT_EQ(field_of(e, "level"), "ERROR");
  EXPECT_EQ(field_of(e, "latency_ms"), "1250");
  EXPECT_EQ(field_of(e, "customer"), "café \"Le Bon\"");
  EXPECT_EQ(field_of(e, "context"), R"({"region":"eu-west","retries":[1,2,3]})");
  EXPECT_EQ(field_of(e, "tried"), "[true,false,null]");
  EXPECT_EQ(field_of(e, "cached"), "false");
  EXPECT_EQ(field_of(e, "trace"), "null");
  EXPECT_EQ(field_of(e, "not_present"), "<absent>");
  EXPECT_EQ(field_of(e, "logger_name"), "<absent>");  // not asked for
  EXPECT_EQ(field_of(e, "ignored"), "<absent>");
  EXPECT_EQ(field_of(e, "message").substr(0, 9), "java.lang");
  EXPECT_EQ(e.fields.size(), 7u);
}

TEST(Decoder, ExtraFieldTextKeepsJsonButDropsSurroundingWhitespace) {
  Decoder d({1 << 20, {"obj", "num", "arr", "big"}});
  Event e = fresh_event();
  ASSERT_EQ(d.decode("{ \"obj\" :\n { \"a\" : [ 1 , 2 ] }\n , \"num\":  -1.5E+3 ,"
                     "\"arr\":[] ,\"big\":123456789012345678901234567890 }",
                     e),
            DecodeError::none)
      << d.detail();
  EXPECT_EQ(field_of(e, "obj"), "{ \"a\" : [ 1 , 2 ] }");
  EXPECT_EQ(field_of(e, "num"), "-1.5E+3");
  EXPECT_EQ(field_of(e, "arr"), "[]");
  EXPECT_EQ(field_of(e, "big"), "123456789012345678901234567890");  // valid JSON, too wide
}

TEST(Decoder, StandardNamesInExtraFieldsAreNotDuplicated) {
  Decoder d({1 << 20, {"message", "tags", "host"}});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"message":"m","tags":["a"],"host":{"name":"h"}})", e), DecodeError::none);
  EXPECT_TRUE(e.fields.empty());
  EXPECT_EQ(field_of(e, "message"), "m");
  EXPECT_EQ(field_of(e, "host"), "h");
}

TEST(Decoder, HostObjectTakesNameThenHostname) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(
      d.decode(
          R"({"message":"x","host":{"hostname":"short","name":"pay-01.prod","ip":["10.0.0.1"]}})",
          e),
      DecodeError::none)
      << d.detail();
  EXPECT_EQ(e.host, "pay-01.prod");
  ASSERT_EQ(d.decode(R"({"message":"x","host":{"hostname":"short","os":{"family":"linux"}}})", e),
            DecodeError::none);
  EXPECT_EQ(e.host, "short");
  ASSERT_EQ(d.decode(R"({"message":"x","host":{"name":7,"hostname":"fallback"}})", e),
            DecodeError::none);
  EXPECT_EQ(e.host, "fallback");
  ASSERT_EQ(d.decode(R"({"message":"x","host":{"architecture":"x86_64"}})", e), DecodeError::none);
  EXPECT_EQ(e.host, "");
}

TEST(Decoder, TagsAsSingleStringNullOrEmpty) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"message":"x","tags":"_grokparsefailure"})", e), DecodeError::none);
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0], "_grokparsefailure");
  ASSERT_EQ(d.decode(R"({"message":"x","tags":null})", e), DecodeError::none);
  EXPECT_TRUE(e.tags.empty());
  ASSERT_EQ(d.decode(R"({"message":"x","tags":[]})", e), DecodeError::none);
  EXPECT_TRUE(e.tags.empty());
  ASSERT_EQ(d.decode(R"({"message":"x","tags":["a","b\u0021","c"]})", e), DecodeError::none);
  EXPECT_EQ(e.tags, (std::vector<std::string_view>{"a", "b!", "c"}));
}

TEST(Decoder, NullStandardFieldsAreAbsent) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(
      d.decode(R"({"message":null,"type":null,"path":null,"host":null,"@timestamp":null})", e),
      DecodeError::none)
      << d.detail();
  EXPECT_TRUE(e.structured);
  EXPECT_EQ(e.message, "");
  EXPECT_EQ(e.type, "");
  EXPECT_EQ(e.host, "");
  EXPECT_EQ(e.path, "");
  EXPECT_EQ(e.timestamp_text, "");
  EXPECT_EQ(e.timestamp_ms, kKafkaTs);
}

TEST(Decoder, TimestampParsedOrFallsBackToKafka) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"message":"x","@timestamp":"2026-11-24T18:15:30.123+08:00"})", e),
            DecodeError::none);
  EXPECT_EQ(e.timestamp_ms, kLogstashTs);
  EXPECT_EQ(e.timestamp_text, "2026-11-24T18:15:30.123+08:00");

  ASSERT_EQ(d.decode(R"({"message":"no timestamp"})", e), DecodeError::none);
  EXPECT_EQ(e.timestamp_ms, kKafkaTs);
  EXPECT_EQ(e.timestamp_text, "");

  ASSERT_EQ(d.decode(R"({"message":"x","@timestamp":"last tuesday"})", e), DecodeError::none);
  EXPECT_EQ(e.timestamp_ms, kKafkaTs);
  EXPECT_EQ(e.timestamp_text, "last tuesday");  // kept as written

  e.source.kafka_timestamp_ms = 5;
  ASSERT_EQ(d.decode(R"({"message":"x","@timestamp":""})", e), DecodeError::none);
  EXPECT_EQ(e.timestamp_ms, 5);
}

TEST(Decoder, EscapedKeysAreMatched) {
  Decoder d({1 << 20, {"na\"me"}});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"mess\u0061ge":"hi","na\"me":"v","\u0074ype":"t"})", e), DecodeError::none)
      << d.detail();
  EXPECT_EQ(e.message, "hi");
  EXPECT_EQ(e.type, "t");
  EXPECT_EQ(field_of(e, "na\"me"), "v");
}

TEST(Decoder, UnicodeEscapesAreDecoded) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"message":"\u00e9\ud83d\ude00 \/ \\ \b\f\r"})", e), DecodeError::none);
  EXPECT_EQ(e.message, "\xC3\xA9\xF0\x9F\x98\x80 / \\ \b\f\r");
}

TEST(Decoder, DuplicateKeysLastOneWins) {
  Decoder d({1 << 20, {"level"}});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(R"({"message":"first","level":"INFO","tags":["a","b"],"message":"second",)"
                     R"("level":"ERROR","tags":["c"],"host":"h1","host":{"name":"h2"}})",
                     e),
            DecodeError::none)
      << d.detail();
  EXPECT_EQ(e.message, "second");
  EXPECT_EQ(e.tags, (std::vector<std::string_view>{"c"}));
  EXPECT_EQ(e.host, "h2");
  ASSERT_EQ(e.fields.size(), 1u);
  EXPECT_EQ(field_of(e, "level"), "ERROR");
}

TEST(Decoder, WhitespaceAroundTheObjectIsFine) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(d.decode(" \t\r\n{\"message\" : \"x\"}\r\n ", e), DecodeError::none) << d.detail();
  EXPECT_TRUE(e.structured);
  EXPECT_EQ(e.message, "x");
  ASSERT_EQ(d.decode("{}", e), DecodeError::none);
  EXPECT_TRUE(e.structured);
  EXPECT_EQ(e.message, "");
}

TEST(Decoder, PlainLines) {
  Decoder d({});
  Event e = fresh_event();
  ASSERT_EQ(d.decode("2026-11-24 10:15:30,123 ERROR pool exhausted\n", e), DecodeError::none);
  EXPECT_FALSE(e.structured);
  EXPECT_EQ(e.message, "2026-11-24 10:15:30,123 ERROR pool exhausted");
  EXPECT_EQ(e.timestamp_ms, *parse_timestamp_ms("2026-11-24T10:15:30.123Z"))
      << "the line's own time, not when it was shipped";
  EXPECT_EQ(e.timestamp_text, "");
  EXPECT_TRUE(e.tags.empty());
  EXPECT_EQ(e.type, "");

  ASSERT_EQ(d.decode("windows line\r\n", e), DecodeError::none);
  EXPECT_EQ(e.message, "windows line");
  EXPECT_EQ(e.timestamp_ms, kKafkaTs) << "no time in the line: the Kafka timestamp";
  ASSERT_EQ(d.decode("no newline", e), DecodeError::none);
  EXPECT_EQ(e.message, "no newline");
  ASSERT_EQ(d.decode("two newlines\n\n", e), DecodeError::none);
  EXPECT_EQ(e.message, "two newlines\n");  // only one is stripped
  ASSERT_EQ(d.decode("bare cr\r", e), DecodeError::none);
  EXPECT_EQ(e.message, "bare cr\r");
  ASSERT_EQ(d.decode("  indented [not json] {\n", e), DecodeError::none);
  EXPECT_EQ(e.message, "  indented [not json] {");
  ASSERT_EQ(d.decode("[1,2,3]", e), DecodeError::none);  // JSON, but not an object
  EXPECT_FALSE(e.structured);
  EXPECT_EQ(e.message, "[1,2,3]");
  ASSERT_EQ(d.decode("caf\xC3\xA9 \xE2\x82\xAC", e), DecodeError::none);
  EXPECT_EQ(e.message, "caf\xC3\xA9 \xE2\x82\xAC");
  // A plain line after a structured one is not structured, and vice versa.
  ASSERT_EQ(d.decode(R"({"message":"s"})", e), DecodeError::none);
  EXPECT_TRUE(e.structured);
}

TEST(Decoder, EmptyRecords) {
  Decoder d({});
  Event e = fresh_event();
  EXPECT_EQ(d.decode("", e), DecodeError::empty);
  EXPECT_EQ(d.detail(), "empty payload");
  EXPECT_EQ(d.decode(" \t\r\n \n", e), DecodeError::empty);
  EXPECT_NE(d.detail().find("only whitespace"), std::string::npos) << d.detail();
  EXPECT_EQ(d.decode(std::string_view(nullptr, 0), e), DecodeError::empty);
}

TEST(Decoder, OversizedBoundaryAndCheckedFirst) {
  Decoder d({64, {}});
  Event e = fresh_event();
  std::string json = R"({"message":")";
  json += std::string(64 - json.size() - 2, 'x') + "\"}";
  ASSERT_EQ(json.size(), 64u);
  EXPECT_EQ(d.decode(json, e), DecodeError::none) << d.detail();
  EXPECT_EQ(e.message.size(), 64u - 14u);
  std::string plain(64, 'p');
  EXPECT_EQ(d.decode(plain, e), DecodeError::none);

  EXPECT_EQ(d.decode(plain + "p", e), DecodeError::oversized);
  EXPECT_EQ(d.detail(), "payload of 65 bytes exceeds max_event_bytes 64");
  json.insert(json.size() - 2, "y");
  EXPECT_EQ(d.decode(json, e), DecodeError::oversized);
  // Size is checked before anything else.
  EXPECT_EQ(d.decode(std::string(65, ' '), e), DecodeError::oversized);
  EXPECT_EQ(d.decode(std::string(65, '\xFF'), e), DecodeError::oversized);
  EXPECT_EQ(d.decode("{" + std::string(64, ']'), e), DecodeError::oversized);

  Decoder big({1 << 20, {}});
  EXPECT_EQ(big.decode(std::string(2'000'000, 'x'), e), DecodeError::oversized);
  EXPECT_EQ(big.detail(), "payload of 2000000 bytes exceeds max_event_bytes 1048576");
}

TEST(Decoder, InvalidUtf8) {
  Decoder d({});
  Event e = fresh_event();
  EXPECT_EQ(d.decode("{\"message\":\"bad \xC3\x28 byte\"}", e), DecodeError::invalid_utf8);
  EXPECT_EQ(d.detail(), "invalid UTF-8");
  EXPECT_EQ(d.decode("{\"unread\":\"\xED\xA0\x80\",\"message\":\"x\"}", e),
            DecodeError::invalid_utf8);  // an encoded surrogate
  EXPECT_EQ(d.decode("plain line \xFF\xFE\n", e), DecodeError::invalid_utf8);
  EXPECT_EQ(d.decode("truncated \xE2\x82", e), DecodeError::invalid_utf8);
  EXPECT_EQ(d.decode("overlong \xC0\xAF", e), DecodeError::invalid_utf8);
  EXPECT_EQ(e.message, "");  // the event is left reset
}

TEST(Decoder, InvalidUtf8OutranksMalformedJson) {
  // Stage 1 validates UTF-8 while indexing; a document that fails for any reason is checked
  // again, so the reason reported does not depend on which check ran first.
  Decoder d({});
  Event e = fresh_event();
  EXPECT_EQ(d.decode("{\"message\":\"\xFF\", oops}", e), DecodeError::invalid_utf8);
  EXPECT_EQ(d.decode("{\"message\":42,\"x\":\"\xC3\x28\"}", e), DecodeError::invalid_utf8)
      << "outranks a bad field too";
  EXPECT_EQ(d.decode("{\"message\":\"x\"} \xFF", e), DecodeError::invalid_utf8)
      << "bytes after the object are validated too";
  EXPECT_EQ(d.decode("{\"message\":\"x\"} trailing", e), DecodeError::malformed_json);
}

TEST(Decoder, ConsecutiveTimestampsInOneSecond) {
  // The decoder reuses the previous event's second when the text up to it is the same.
  Decoder d({});
  Event e = fresh_event();
  auto ts = [&](const std::string& text) {
    EXPECT_EQ(d.decode(R"({"message":"x","@timestamp":")" + text + R"("})", e), DecodeError::none);
    return e.timestamp_ms;
  };
  EXPECT_EQ(ts("2026-11-24T10:15:30.123Z"), kLogstashTs);
  EXPECT_EQ(ts("2026-11-24T10:15:30.999Z"), kLogstashTs + 876);
  EXPECT_EQ(ts("2026-11-24T10:15:30.000Z"), kLogstashTs - 123);
  EXPECT_EQ(ts("2026-11-24T10:15:31.123Z"), kLogstashTs + 1000);
  EXPECT_EQ(ts("2026-11-24T10:15:31.1x3Z"), kKafkaTs) << "not a time: the Kafka timestamp";
  EXPECT_EQ(ts("2026-11-24T18:15:31.123+08:00"), kLogstashTs + 1000);
  EXPECT_EQ(ts("2026-11-24T10:15:31.124Z"), kLogstashTs + 1001);
  EXPECT_EQ(ts("2026-12-24T10:15:31.124Z"), *parse_timestamp_ms("2026-12-24T10:15:31.124Z"));
}

struct MalformedCase {
  const char* name;
  std::string json;
  const char* detail_part;  // must appear in detail()
};

TEST(Decoder, MalformedJson) {
  const std::vector<MalformedCase> cases = {
      {"unclosed object", R"({"message":"x")", "simdjson: "},
      {"unclosed string", R"({"message":"x})", "UNCLOSED_STRING"},
      {"missing colon", R"({"message" "x"})", "simdjson: "},
      {"missing comma", R"({"message":"x" "type":"y"})", "after field 'message'"},
      {"trailing comma", R"({"message":"x",})", "after field 'message'"},
      {"single quotes", R"({'message':'x'})", "simdjson: "},
      {"bare key", R"({message:"x"})", "simdjson: "},
      {"trailing garbage", R"({"message":"x"} garbage)", "simdjson: "},
      {"trailing object", R"({"message":"x"}{"message":"y"})", "after the top-level object"},
      {"trailing bracket", R"({"message":"x"}})", "TRAILING_CONTENT"},
      {"unread field malformed", R"({"message":"x","other":[1,2,}})", "field 'other'"},
      {"unread field bad escape", R"({"message":"x","other":"a\qb"})", "STRING_ERROR"},
      {"unread field bad number", R"({"message":"x","n":01})", "NUMBER_ERROR"},
      {"unread field bad number 2", R"({"message":"x","n":1.})", "NUMBER_ERROR"},
      {"unread field bad number 3", R"({"message":"x","n":-})", "NUMBER_ERROR"},
      {"unread field bad literal", R"({"message":"x","b":tru})", "T_ATOM_ERROR"},
      {"unread field bad literal 2", R"({"message":"x","b":nulll})", "N_ATOM_ERROR"},
      {"unread field bad literal 3", R"({"message":"x","b":False})", "simdjson: "},
      {"nested key bad escape", R"({"message":"x","o":{"a\x":1}})", "STRING_ERROR"},
      {"nested missing value", R"({"message":"x","o":{"a":}})", "field 'o'"},
      {"raw tab in string", "{\"message\":\"a\tb\"}", "UNESCAPED_CHARS"},
      {"raw newline in string", "{\"message\":\"a\nb\"}", "UNESCAPED_CHARS"},
      {"bad hex in unicode escape", R"({"message":"\u12G4"})", "STRING_ERROR"},
      {"form feed before object", "\f{\"message\":\"x\"}", "simdjson: "},
      {"object then array close", R"({"a":[1,2}])", "simdjson: "},
      {"just a brace", "{", "simdjson: "},
      {"extra field malformed", R"({"level":[1,,2]})", "field 'level'"},
      {"tags element malformed", R"({"tags":["a",]})", "field 'tags'"},
      {"host object malformed", R"({"host":{"name":"h",}})", "field 'host'"},
      {"bad field outranked by syntax error", R"({"message":42,"x":[1,}})", "field 'x'"},
  };
  Decoder d({1 << 20, {"level"}});
  for (const auto& c : cases) {
    Event e = fresh_event();
    EXPECT_EQ(d.decode(c.json, e), DecodeError::malformed_json) << c.name << ": " << d.detail();
    EXPECT_NE(d.detail().find(c.detail_part), std::string::npos)
        << c.name << ": detail was: " << d.detail();
    EXPECT_EQ(e.message, "") << c.name;
    EXPECT_TRUE(e.tags.empty()) << c.name;
  }
}

TEST(Decoder, BadFields) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"message":42})", "field 'message' must be a string, not a number"},
      {R"({"message":{"text":"x"}})", "field 'message' must be a string, not an object"},
      {R"({"message":"x","type":["a"]})", "field 'type' must be a string, not an array"},
      {R"({"message":"x","path":true})", "field 'path' must be a string, not a boolean"},
      {R"({"message":"x","@timestamp":1700000000})",
       "field '@timestamp' must be a string, not a number"},
      {R"({"message":"x","tags":7})",
       "field 'tags' must be an array of strings or a string, not a number"},
      {R"({"message":"x","tags":{"a":1}})",
       "field 'tags' must be an array of strings or a string, not an object"},
      {R"({"message":"x","tags":["ok",1]})",
       "field 'tags' element 1 must be a string, not a number"},
      {R"({"message":"x","tags":[null]})", "field 'tags' element 0 must be a string, not null"},
      {R"({"message":"x","host":["h"]})",
       "field 'host' must be a string or an object, not an array"},
      {R"({"message":"x","host":false})",
       "field 'host' must be a string or an object, not a boolean"},
      // The first bad field is reported.
      {R"({"type":1,"message":2})", "field 'type' must be a string, not a number"},
  };
  Decoder d({});
  for (const auto& [json, detail] : cases) {
    Event e = fresh_event();
    EXPECT_EQ(d.decode(json, e), DecodeError::bad_field) << json << ": " << d.detail();
    EXPECT_EQ(d.detail(), detail) << json;
    EXPECT_EQ(e.message, "") << json;
  }
}

TEST(Decoder, ErrorNamesAreStable) {
  EXPECT_EQ(to_string(DecodeError::none), "none");
  EXPECT_EQ(to_string(DecodeError::empty), "empty");
  EXPECT_EQ(to_string(DecodeError::oversized), "oversized");
  EXPECT_EQ(to_string(DecodeError::invalid_utf8), "invalid_utf8");
  EXPECT_EQ(to_string(DecodeError::malformed_json), "malformed_json");
  EXPECT_EQ(to_string(DecodeError::bad_field), "bad_field");
}

std::string nested_arrays(size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

TEST(Decoder, DeepNestingIsRejectedNotACrash) {
  Decoder d({1 << 20, {"deep"}});
  Event e = fresh_event();
  // 100000 unclosed arrays inside an object.
  EXPECT_EQ(d.decode(R"({"message":"x","a":)" + std::string(100'000, '[') + "}", e),
            DecodeError::malformed_json);
  // 100000 balanced arrays: valid JSON, but deeper than the limit.
  EXPECT_EQ(d.decode(R"({"message":"x","a":)" + nested_arrays(100'000) + "}", e),
            DecodeError::malformed_json);
  EXPECT_NE(d.detail().find("DEPTH_ERROR"), std::string::npos) << d.detail();
  EXPECT_NE(d.detail().find("nesting deeper than 1024"), std::string::npos) << d.detail();
  // Nested objects, in a captured field.
  std::string objects;
  for (int i = 0; i < 5000; ++i) objects += R"({"k":)";
  objects += "1" + std::string(5000, '}');
  EXPECT_EQ(d.decode(R"({"deep":)" + objects + "}", e), DecodeError::malformed_json);
  // Under tags and host too.
  EXPECT_EQ(d.decode(R"({"tags":[)" + nested_arrays(5000) + "]}", e), DecodeError::malformed_json);
  EXPECT_EQ(d.decode(R"({"host":{"x":)" + nested_arrays(5000) + "}}", e),
            DecodeError::malformed_json);
  // The decoder is still fine afterwards.
  ASSERT_EQ(d.decode(R"({"message":"after"})", e), DecodeError::none);
  EXPECT_EQ(e.message, "after");
}

TEST(Decoder, NestingUpToTheLimitIsAccepted) {
  // The top-level object is level 1, so a field can hold 1022 nested arrays (1023 levels).
  Decoder d({1 << 20, {"deep"}});
  Event e = fresh_event();
  const std::string ok = nested_arrays(1022);
  ASSERT_EQ(d.decode(R"({"message":"x","deep":)" + ok + "}", e), DecodeError::none) << d.detail();
  EXPECT_EQ(field_of(e, "deep"), ok);
  EXPECT_EQ(d.decode(R"({"message":"x","deep":)" + nested_arrays(1023) + "}", e),
            DecodeError::malformed_json);
  EXPECT_EQ(d.decode(R"({"message":"x","other":)" + nested_arrays(1023) + "}", e),
            DecodeError::malformed_json);
}

TEST(Decoder, ReuseAcrossManyRecords) {
  Decoder d({1 << 20, {"n", "obj"}});
  Event e = fresh_event();
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    // Grow the records so buffers get reallocated along the way.
    const std::string pad(static_cast<size_t>(i) * 37, 'p');
    switch (i % 6) {
      case 0: {
        std::string json = R"({"message":"line )" + n + R"(\nsecond\tline","n":)" + n +
                           R"(,"tags":["t)" + n + R"("],"obj":{"pad":")" + pad +
                           R"("},"host":{"name":"h)" + n + R"("}})";
        // The payload buffer dies before the event is read: views must not point into it.
        DecodeError err = d.decode(json, e);
        json.assign(json.size(), '#');
        ASSERT_EQ(err, DecodeError::none) << i << ": " << d.detail();
        EXPECT_EQ(e.message, "line " + n + "\nsecond\tline");
        EXPECT_EQ(field_of(e, "n"), n);
        EXPECT_EQ(field_of(e, "obj"), R"({"pad":")" + pad + R"("})");
        ASSERT_EQ(e.tags.size(), 1u);
        EXPECT_EQ(e.tags[0], "t" + n);
        EXPECT_EQ(e.host, "h" + n);
        break;
      }
      case 1:
        EXPECT_EQ(d.decode(R"({"message":"x","other":[1,2,}})", e), DecodeError::malformed_json);
        break;
      case 2: {
        std::string line = "plain " + n + " " + pad + "\r\n";
        DecodeError err = d.decode(line, e);
        line.assign(line.size(), '#');
        ASSERT_EQ(err, DecodeError::none);
        EXPECT_FALSE(e.structured);
        EXPECT_EQ(e.message, "plain " + n + " " + pad);
        EXPECT_TRUE(e.fields.empty());
        break;
      }
      case 3:
        EXPECT_EQ(d.decode(R"({"message":7,"n":1})", e), DecodeError::bad_field);
        break;
      case 4:
        EXPECT_EQ(d.decode("{\"message\":\"\xFF\"}", e), DecodeError::invalid_utf8);
        break;
      case 5:
        ASSERT_EQ(d.decode(R"({"message":"plain )" + n + R"("})", e), DecodeError::none);
        EXPECT_TRUE(e.structured);
        EXPECT_EQ(e.message, "plain " + n);
        EXPECT_TRUE(e.tags.empty());
        EXPECT_TRUE(e.fields.empty());
        EXPECT_TRUE(d.detail().empty());
        break;
    }
  }
}

// Records are parsed in place when simdjson's reads past their end stay in their memory
// page. A record ending at or near the end of a readable page, before an unreadable one,
// must not be read past; bytes after a record (whatever they hold) must not change it.
TEST(Decoder, RecordsEndingAnywhereBeforeAnUnreadablePage) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* map = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(mprotect(static_cast<char*>(map) + page, page, PROT_NONE), 0);
  char* const page_end = static_cast<char*>(map) + page;
  // Garbage a parser could mistake for more document, were it to read it.
  std::memset(map, '"', page);

  const std::string good =
      R"({"@timestamp":"2026-11-24T10:15:30.123Z","message":"ERROR pool \"main\" exhausted",)"
      R"("type":"pay-api","tags":["exception_stack"],"host":"pay-01","level":"ERROR"})";
  const std::string ecs_host = R"({"message":"m","host":{"name":"h1"},"level":"WARN"})";
  const std::string bad = R"({"message":"m","level":[1,})";
  Decoder d({1 << 20, {"level"}});
  for (size_t gap = 0; gap <= 2 * simdjson::SIMDJSON_PADDING; ++gap) {
    SCOPED_TRACE("record ends " + std::to_string(gap) + " bytes before the page's end");
    {
      char* at = page_end - gap - good.size();
      std::memcpy(at, good.data(), good.size());
      Event e = fresh_event();
      ASSERT_EQ(d.decode(std::string_view(at, good.size()), e), DecodeError::none) << d.detail();
      std::memset(at, '"', good.size());  // the event must not point into the record
      EXPECT_EQ(e.message, "ERROR pool \"main\" exhausted");
      EXPECT_EQ(e.timestamp_ms, kLogstashTs);
      EXPECT_EQ(e.type, "pay-api");
      EXPECT_TRUE(e.has_tag("exception_stack"));
      EXPECT_EQ(e.host, "pay-01");
      EXPECT_EQ(field_of(e, "level"), "ERROR");
    }
    {
      char* at = page_end - gap - ecs_host.size();
      std::memcpy(at, ecs_host.data(), ecs_host.size());
      Event e = fresh_event();
      ASSERT_EQ(d.decode(std::string_view(at, ecs_host.size()), e), DecodeError::none)
          << d.detail();
      std::memset(at, '"', ecs_host.size());
      EXPECT_EQ(e.host, "h1");
      EXPECT_EQ(field_of(e, "level"), "WARN");
    }
    {
      char* at = page_end - gap - bad.size();
      std::memcpy(at, bad.data(), bad.size());
      Event e = fresh_event();
      EXPECT_EQ(d.decode(std::string_view(at, bad.size()), e), DecodeError::malformed_json);
      EXPECT_TRUE(e.message.empty());
    }
  }
  munmap(map, 2 * page);
}

}  // namespace
}  // namespace klaxon
