// Issue 18, 3: records no engine should choke on, with the default configuration. Before,
// a 2 MB record was classified oversized, its dead letter was refused by the producer
// ("Message size too large": message.max.bytes is 1,000,000 by default), the engine exited
// without committing and, restarted, exited on the same record again. Now every bad record
// is dead-lettered (cut to what Kafka takes, with its original size and digest in headers),
// records at each boundary go where they belong, a valid event with huge fields still
// alerts, and everything is committed.
#include <gtest/gtest.h>

#include <map>

#include "alert/alert.h"
#include "core/hash.h"
#include "core/time.h"
#include "integration/harness.h"
#include "source/dead_letter.h"

namespace klaxon::testing {
namespace {

const std::map<std::string, std::string> kBigProducer = {{"message.max.bytes", "10000000"}};

// A Logstash event of exactly `bytes` bytes: an ERROR line padded with spaces inside the
// message, and `host` as given.
std::string event_of_size(size_t bytes, const std::string& host = "pay-app-01",
                          const std::string& error = "ERROR pay failed") {
  std::string head = R"({"@timestamp":")" + format_timestamp_ms(now_ms() - 60'000) +
                     R"(","type":"pay-biz","host":")" + host + R"(","message":")" + error;
  std::string tail = R"("})";
  EXPECT_GE(bytes, head.size() + tail.size());
  return head + std::string(bytes - head.size() - tail.size(), ' ') + tail;
}

TEST(PoisonRecords, HugeAndBoundaryRecordsAreDeadLetteredAndNeverStopTheEngine) {
  KafkaCluster kafka;
  TempDir dir;
  Config config = test_config(kafka, dir, source_path("rules/pay.yaml"));
  const size_t max_event = static_cast<size_t>(config.decode.max_event_bytes);  // 1 MiB
  const size_t dl_limit = dead_letter_value_limit(config.kafka.properties);
  ASSERT_LT(dl_limit, kDefaultMessageMaxBytes);
  ASSERT_LT(dl_limit, max_event) << "the boundaries below are distinct";

  struct Case {
    std::string name, value, reason;  // reason empty: a valid event
  };
  std::string junk(2'000'000, '\x01');  // binary, no newline, 2 MB
  std::vector<Case> cases = {
      {"2MB binary", junk, "oversized"},
      {"4MB text", std::string(4'000'000, 'x'), "oversized"},
      {"max_event+1", "{" + std::string(max_event, 'a'), "oversized"},
      {"max_event malformed", "{" + std::string(max_event - 1, 'a'), "malformed_json"},
      {"dl_limit+1 malformed", "{" + std::string(dl_limit, 'a'), "malformed_json"},
      {"dl_limit malformed", "{" + std::string(dl_limit - 1, 'a'), "malformed_json"},
      {"max_event valid", event_of_size(max_event), ""},
      // Valid, with a 600 KB host and a 300 KB request id: the match record stays small.
      {"huge host",
       event_of_size(950'000, std::string(600'000, 'h'),
                     "ERROR reqId=" + std::string(300'000, 'r') + " failed"),
       ""},
      {"empty", "", "empty"},
  };
  std::vector<std::pair<std::string, std::string>> records;
  for (const Case& c : cases) records.emplace_back(c.name, c.value);
  records.emplace_back("after", event_of_size(300));
  kafka.produce("pay_log_topic", records, kBigProducer);

  RunningEngine run(config);
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) { return s.events >= records.size(); }))
      << run.error();
  const uint64_t bad = 7;
  ASSERT_TRUE(run.wait([&](const PipelineStats& s) {
    return s.invalid >= bad && s.matches_applied >= 3 && s.alerts_delivered >= 1;
  })) << run.error();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  run.stop();
  EXPECT_EQ(run.error(), "") << "the engine stopped on a record";
  EXPECT_EQ(run.engine().stats().invalid, bad);
  EXPECT_EQ(run.engine().stats().matches, 3u) << "the three valid ERROR events";

  std::map<std::string, const Case*> by_name;
  for (const Case& c : cases) by_name[c.name] = &c;
  auto dead = kafka.read_all("pay_log_dead_letter");
  ASSERT_EQ(dead.size(), bad);
  for (const Record& d : dead) {
    const Case& c = *by_name.at(d.headers.at("klaxon.original_key"));
    SCOPED_TRACE(c.name);
    EXPECT_EQ(d.headers.at("klaxon.reason"), c.reason);
    EXPECT_EQ(d.key, d.headers.at("klaxon.source") + "@klaxon");
    EXPECT_LE(d.value.size(), dl_limit);
    if (c.value.size() > dl_limit) {
      EXPECT_EQ(d.value, c.value.substr(0, dl_limit));
      EXPECT_EQ(d.headers.at("klaxon.truncated"), "true");
      EXPECT_EQ(d.headers.at("klaxon.original_bytes"), std::to_string(c.value.size()));
      EXPECT_EQ(d.headers.at("klaxon.original_fnv1a"), hex64(fnv1a64(c.value)));
    } else {
      EXPECT_EQ(d.value, c.value) << "kept whole";
      EXPECT_EQ(d.headers.count("klaxon.truncated"), 0u);
    }
  }
  auto end = kafka.end_offsets("pay_log_topic");
  auto committed = kafka.committed("klaxon", "pay_log_topic");
  for (auto [p, hi] : end) {
    if (hi > 0) {
      EXPECT_EQ(committed[p], hi) << "partition " << p;
    }
  }
}

}  // namespace
}  // namespace klaxon::testing
