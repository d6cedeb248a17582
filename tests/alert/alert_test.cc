#include "alert/alert.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/time.h"

namespace klaxon {
namespace {

Rule stack_rule() {
  Rule r;
  r.name = "pay-exception-stack";
  r.severity = "critical";
  r.description = "Java exceptions in the pay site";
  r.group_by = GroupBy::fingerprint;
  r.realert = std::chrono::minutes(5);
  return r;
}

std::string long_trace(int frames) {
  std::string m =
      "2026-11-24 10:15:30.123 ERROR 2841 --- [exec-7] c.p.pay.service.PayService : "
      "[reqId=5f3a9c2e71b04d1e] pay failed\n"
      "java.lang.NullPointerException: null\n";
  for (int i = 0; i < frames; ++i)
    m += "\tat com.pay.service.PayService.charge" + std::to_string(i) +
         "(PayService.java:" + std::to_string(100 + i) + ")\n";
  m += "\t... 42 more";
  return m;
}

// The event as the state stage sees it: through the repartition topic's match record.
struct Fixture {
  Event event;
  std::string message = long_trace(80);
  Firing firing;
  std::string encoded;
  MatchRecord record;
  Fixture() {
    event.message = message;
    event.timestamp_ms = *parse_timestamp_ms("2026-11-24T10:15:30.123Z");
    event.type = "pay-biz";
    event.host = "pay-app-03";
    event.path = "/data/logs/pay/pay-biz.log";
    event.tags = {"exception_stack"};
    event.source = SourceRef{"pay_log_topic", 2, 1234, 0};
    firing.at_ms = firing.window_start_ms = firing.window_end_ms = event.timestamp_ms;
    firing.by_match = true;
    firing.suppressed = 11;
    firing.count = 12;
    firing.first_seen_ms = event.timestamp_ms - 600'000;
    firing.last_seen_ms = event.timestamp_ms;
    firing.request_ids = {"5f3a9c2e71b04d1e"};
    firing.condition = "11 more matches since the previous alert";
  }
  // The event's sample as of now (a test may change the event first).
  const Sample* sample() {
    encode_match_record(event, {}, {}, MatchRecordLimits{}, encoded);
    EXPECT_TRUE(decode_match_record(encoded, record));
    return &record.sample;
  }
};

TEST(Alert, CarriesWhatOnCallNeeds) {
  Fixture f;
  AlertOptions options;
  options.kibana_url = "http://kibana.example:5601/";
  Alert a = make_alert(options, stack_rule(), "0123456789abcdef", f.firing, f.sample());
  EXPECT_EQ(a.rule, "pay-exception-stack");
  EXPECT_EQ(a.severity, "critical");
  EXPECT_EQ(a.group_by, "fingerprint");
  EXPECT_EQ(a.count, 12u);
  EXPECT_EQ(a.suppressed_count, 11u);
  EXPECT_EQ(a.host, "pay-app-03");
  EXPECT_EQ(a.request_ids, std::vector<std::string>{"5f3a9c2e71b04d1e"});
  EXPECT_EQ(a.message.find("ERROR 2841"), 24u);
  EXPECT_EQ(a.message.find('\n'), std::string::npos);
  EXPECT_EQ(a.exception_class, "java.lang.NullPointerException");
  // First 50 lines of an 83-line message.
  EXPECT_EQ(a.stack_trace_total_lines, 83u);
  EXPECT_EQ(std::count(a.stack_trace.begin(), a.stack_trace.end(), '\n'), 49);
  EXPECT_NE(a.stack_trace.find("charge47(PayService.java:147)"), std::string::npos);
  EXPECT_EQ(a.stack_trace.find("charge48("), std::string::npos);
  EXPECT_EQ(a.topic, "pay_log_topic");
  EXPECT_EQ(a.partition, 2);
  EXPECT_EQ(a.offset, 1234);
  EXPECT_EQ(a.kibana_url.rfind("http://kibana.example:5601/app/discover#/?_g=", 0), 0u)
      << a.kibana_url;
  EXPECT_NE(a.kibana_url.find("5f3a9c2e71b04d1e"), std::string::npos);
  EXPECT_NE(a.kibana_url.find("logstash-*"), std::string::npos);
}

TEST(Alert, IdIsDeterministicPerRuleGroupAndWindow) {
  EXPECT_EQ(alert_id("r", "g", 1000), alert_id("r", "g", 1000));
  EXPECT_NE(alert_id("r", "g", 1000), alert_id("r", "g", 1001));
  EXPECT_NE(alert_id("r", "g", 1000), alert_id("r", "h", 1000));
  EXPECT_NE(alert_id("r", "g", 1000), alert_id("s", "g", 1000));
  Fixture f;
  Alert a = make_alert(AlertOptions{}, stack_rule(), "k", f.firing, f.sample());
  Alert b = make_alert(AlertOptions{}, stack_rule(), "k", f.firing, f.sample());
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(to_json(a), to_json(b));  // a replay produces the identical document
}

TEST(Alert, JsonRoundTripsAndIsValid) {
  Fixture f;
  Alert a = make_alert(AlertOptions{}, stack_rule(), "0123456789abcdef", f.firing, f.sample());
  std::string json = to_json(a);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
  Alert back;
  ASSERT_TRUE(from_json(json, back));
  EXPECT_EQ(back.id, a.id);
  EXPECT_EQ(back.count, a.count);
  EXPECT_EQ(back.suppressed_count, a.suppressed_count);
  EXPECT_EQ(back.first_seen_ms, a.first_seen_ms);
  EXPECT_EQ(back.event_time_ms, a.event_time_ms);
  EXPECT_EQ(back.window, a.window);
  EXPECT_EQ(back.stack_trace, a.stack_trace);
  EXPECT_EQ(back.top_frames, a.top_frames);
  EXPECT_EQ(back.kibana_url, a.kibana_url);
  EXPECT_EQ(back.rule_type, "any");
  EXPECT_EQ(back.condition, a.condition);
  EXPECT_TRUE(back.has_source);
  EXPECT_EQ(to_json(back), json);
  EXPECT_FALSE(from_json("{\"id\":1}", back));
  EXPECT_FALSE(from_json("not json", back));
}

TEST(Alert, OneLineEventsHaveNoStackTrace) {
  Fixture f;
  f.event.message = "2026-11-24 ERROR pay-failure code=CHANNEL_TIMEOUT";
  f.event.tags.clear();
  Rule r = stack_rule();
  r.group_by = GroupBy::rule;
  Alert a = make_alert(AlertOptions{}, r, r.name, f.firing, f.sample());
  EXPECT_EQ(a.stack_trace, "");
  EXPECT_EQ(a.stack_trace_total_lines, 0u);
  EXPECT_EQ(a.exception_class, "");
  EXPECT_EQ(a.group_by, "rule");
}

TEST(Alert, KibanaLinkWithoutRequestIdsFiltersOnTypeAndHost) {
  Fixture f;
  f.firing.request_ids.clear();
  Alert a = make_alert(AlertOptions{}, stack_rule(), "k", f.firing, f.sample());
  EXPECT_NE(a.kibana_url.find("type:%22pay-biz%22%20and%20host:%22pay-app-03%22"),
            std::string::npos)
      << a.kibana_url;
}

TEST(Alert, TextShowsCountsAndTrace) {
  Fixture f;
  Alert a = make_alert(AlertOptions{}, stack_rule(), "0123456789abcdef", f.firing, f.sample());
  std::string text = to_text(a, 5);
  EXPECT_NE(text.find("[CRITICAL] pay-exception-stack"), std::string::npos) << text;
  EXPECT_NE(text.find("11 suppressed since the previous alert (realert 5m)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("why        11 more matches since the previous alert"), std::string::npos);
  EXPECT_NE(text.find("java.lang.NullPointerException: null"), std::string::npos);
  EXPECT_NE(text.find("5f3a9c2e71b04d1e"), std::string::npos);
  std::string line = to_log_line(a);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("rule=pay-exception-stack"), std::string::npos);
}

// A plain log line has no host, path or type: the text shows no empty labels for them.
TEST(Alert, TextOfAPlainLineShowsOnlyTheFieldsItHas) {
  Fixture f;
  Alert a = make_alert(AlertOptions{}, stack_rule(), "0123456789abcdef", f.firing, f.sample());
  EXPECT_NE(to_text(a).find("  where      host pay-app-03  path "), std::string::npos);
  a.host.clear();
  a.path.clear();
  EXPECT_NE(to_text(a).find("  where      type pay-biz\n"), std::string::npos) << to_text(a);
  a.type.clear();
  EXPECT_EQ(to_text(a).find("where"), std::string::npos) << to_text(a);
  EXPECT_EQ(to_log_line(a).find("host="), std::string::npos) << to_log_line(a);
  EXPECT_NE(to_text(a).find("  message    "), std::string::npos);
  // A record's control bytes never reach the log raw: one alert, one line, no escapes.
  a.message = std::string("boom\x1b[2J\0\nsecond", 16);
  a.group_key = "g\r1";
  std::string line = to_log_line(a);
  EXPECT_EQ(line.find_first_of(std::string("\x1b\r\n\0", 4)), std::string::npos) << line;
  EXPECT_NE(line.find("message=\"boom\\x1b[2J\\x00\\nsecond\""), std::string::npos) << line;
  EXPECT_NE(line.find("group=g\\r1"), std::string::npos) << line;
}

TEST(Alert, FiredByTimeHasNoSampleAndLinksToWhatTheRuleWatches) {
  Rule r;
  r.name = "pay-success-flatline";
  r.type = RuleType::flatline;
  r.types = {"pay-biz"};
  r.threshold = 1;
  r.timeframe = std::chrono::minutes(5);
  Firing f;
  f.at_ms = *parse_timestamp_ms("2026-11-24T10:20:00Z");
  f.window_start_ms = f.at_ms - 300'000;
  f.window_end_ms = f.at_ms;
  f.count = 0;
  f.condition = "0 matches in the last 5m (threshold 1); last match never seen";
  Alert a = make_alert(AlertOptions{}, r, r.name, f, nullptr);
  EXPECT_FALSE(a.has_source);
  EXPECT_EQ(a.rule_type, "flatline");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.id, alert_id(r.name, r.name, f.window_start_ms));
  EXPECT_NE(a.kibana_url.find("type:%22pay-biz%22"), std::string::npos) << a.kibana_url;
  EXPECT_NE(a.kibana_url.find("2026-11-24T10:14:00.000Z"), std::string::npos)
      << "from the window's start, less a minute: " << a.kibana_url;
  std::string json = to_json(a);
  EXPECT_EQ(json.find("\"source\""), std::string::npos) << json;
  EXPECT_EQ(json.find("\"first_seen\""), std::string::npos) << "never matched: " << json;
  Alert back;
  ASSERT_TRUE(from_json(json, back));
  EXPECT_FALSE(back.has_source);
  EXPECT_EQ(back.window_start_ms, f.window_start_ms);
  EXPECT_EQ(to_json(back), json);
  EXPECT_NE(to_text(a).find("why        0 matches in the last 5m"), std::string::npos);
}

TEST(Alert, SpikeCarriesBothWindowsCounts) {
  Rule r;
  r.name = "errors-spike";
  r.type = RuleType::spike;
  Firing f;
  f.at_ms = f.window_start_ms = 1'764'000'000'000;
  f.window_end_ms = f.window_start_ms + 600'000;
  f.count = 40;
  f.reference_count = 10;
  f.direction = "up";
  Alert a = make_alert(AlertOptions{}, r, r.name, f, nullptr);
  std::string json = to_json(a);
  EXPECT_NE(json.find("\"reference_count\":10"), std::string::npos) << json;
  EXPECT_NE(json.find("\"direction\":\"up\""), std::string::npos) << json;
  Alert back;
  ASSERT_TRUE(from_json(json, back));
  EXPECT_EQ(back.reference_count, 10u);
  EXPECT_EQ(back.direction, "up");
}

}  // namespace
}  // namespace klaxon
