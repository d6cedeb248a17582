// The two halves of processing: the match stage routes each match to its group's state
// partition; a state task applies each input record at most once.
#include "app/state_task.h"

#include <gtest/gtest.h>

#include <set>

#include "app/match_stage.h"
#include "app/rule_runner.h"
#include "core/time.h"
#include "match/rules_loader.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

std::shared_ptr<const Matcher> rules(const std::string& yaml) {
  return Matcher::compile(parse_rules(yaml, "test.yaml"));
}

constexpr const char* kTwoRules = R"(rules:
  - name: per-host
    type: any
    message: {match: ['ERROR']}
    group_by: host
    realert: 1h
  - name: all-errors
    type: frequency
    message: {match: ['ERROR']}
    num_events: 2
    timeframe: 1h
    realert: 1h
)";

std::string json(const std::string& host, int64_t t, const std::string& message = "ERROR x") {
  return R"({"@timestamp":")" + std::to_string(t) + R"(","host":")" + host + R"(","message":")" +
         message + R"("})";
}

TEST(MatchStage, SendsEachMatchToItsGroupsPartitionOneRecordPerPartition) {
  auto matcher = rules(kTwoRules);
  MatchStageOptions o;
  o.partitions = 7;
  MatchStage stage(matcher, o);
  std::set<int32_t> seen;
  for (int h = 0; h < 30; ++h) {
    std::vector<RoutedRecord> out;
    std::string host = "host-" + std::to_string(h);
    ASSERT_EQ(stage.process(json(host, 1000), SourceRef{"logs", 0, h, 0}, out), DecodeError::none);
    size_t entries = 0;
    std::set<int32_t> partitions;
    for (const RoutedRecord& r : out) {
      EXPECT_TRUE(partitions.insert(r.partition).second) << "one record per partition";
      MatchRecord m;
      ASSERT_TRUE(decode_match_record(r.value, m));
      for (const MatchEntry& e : m.entries) {
        EXPECT_EQ(state_partition(e.state_id, e.group_key, 7), r.partition);
        ++entries;
      }
      EXPECT_EQ(m.sample.source.offset, h);
      seen.insert(r.partition);
    }
    EXPECT_EQ(entries, 2u) << "both rules matched";
  }
  EXPECT_GT(seen.size(), 3u) << "hosts spread over the partitions";
  std::vector<uint64_t> matches = stage.take_matches();
  EXPECT_EQ(matches, (std::vector<uint64_t>{30, 30}));
}

class StateTaskTest : public ::testing::Test {
 protected:
  StateTaskTest() : active_(rules(kTwoRules)) {}

  std::unique_ptr<StateStore> open(const std::string& name) {
    StateOptions o;
    o.dir = dir_.path() + "/" + name;
    o.sync = false;
    return std::make_unique<StateStore>(o);
  }
  std::unique_ptr<StateTask> task(StateStore& store, int32_t partition = 0,
                                  int32_t partitions = 1) {
    auto t = std::make_unique<StateTask>(
        store,
        StateTaskOptions{LogicOptions{}, AlertOptions{}, partition, partitions, channels_,
                         max_notify_age_},
        StateTask::Listener{[this](const Rule&, const Alert& a) { fired_.push_back(a.id); },
                            {},
                            [this](std::string_view id) { dropped_.emplace_back(id); },
                            [this](const Alert& a, const std::vector<std::string>&, int64_t) {
                              too_old_.push_back(a.id);
                            }});
    t->use_rules(&active_.by_state_id);
    return t;
  }
  // One input record, matched and encoded as the repartition topic carries it; with an
  // event time, when given.
  MatchRecord record(const std::string& host, int32_t partition, int64_t offset,
                     int64_t event_time_ms = 0, int64_t kafka_timestamp_ms = 0) {
    MatchStage stage(active_.matcher, MatchStageOptions{});
    routed_.clear();
    std::string text = event_time_ms == 0
                           ? json(host, 1000 + offset)
                           : R"({"@timestamp":")" + format_timestamp_ms(event_time_ms) +
                                 R"(","host":")" + host + R"(","message":"ERROR x"})";
    EXPECT_EQ(
        stage.process(text, SourceRef{"logs", partition, offset, kafka_timestamp_ms}, routed_),
        DecodeError::none);
    MatchRecord r;
    EXPECT_TRUE(decode_match_record(routed_.at(0).value, r));
    return r;
  }

  // The committed outbox entries of rule per-host, by host; each must go to the alerts topic.
  static std::map<std::string, OutboxEntry> per_host_outbox(StateStore& store) {
    std::map<std::string, OutboxEntry> by_host;
    for (auto& e : store.pending_alerts()) {
      Alert a;
      EXPECT_TRUE(from_json(e.document, a)) << e.document;
      EXPECT_TRUE(e.to_topic) << "every alert goes to the alerts topic";
      if (a.rule == "per-host") by_host[a.host] = e;
    }
    return by_host;
  }

  ActiveRules active_;
  test::TempDir dir_;
  std::vector<std::string> fired_;
  std::vector<std::string> dropped_;
  std::vector<std::string> too_old_;
  std::vector<std::string> channels_;
  std::chrono::milliseconds max_notify_age_{0};
  std::vector<RoutedRecord> routed_;
};

TEST_F(StateTaskTest, EachInputRecordIsAppliedOnce) {
  auto store = open("s");
  {
    auto t = task(*store);
    EXPECT_TRUE(t->apply(record("a", 0, 5)));
    EXPECT_FALSE(t->apply(record("a", 0, 5))) << "the same record again";
    EXPECT_FALSE(t->apply(record("b", 0, 4))) << "an earlier record of that input partition";
    EXPECT_TRUE(t->apply(record("b", 1, 4))) << "another input partition";
    t->flush();
    ASSERT_TRUE(store->commit_batch().ok());
    EXPECT_EQ(fired_.size(), 3u) << "a and b per host, and the frequency of two";
  }
  // After a restart (or a restore), the store remembers what was applied.
  auto t = task(*store);
  EXPECT_FALSE(t->apply(record("a", 0, 5)));
  EXPECT_FALSE(t->apply(record("b", 1, 4)));
  EXPECT_TRUE(t->apply(record("c", 0, 6)));
  EXPECT_EQ(fired_.size(), 4u);
}

// A first deployment over days of history: alerts are decided and go to the alerts topic,
// but only those within alert.max_notify_age of the wall clock go to the channels.
TEST_F(StateTaskTest, AlertsOlderThanMaxNotifyAgeGoToTheTopicButNotToChannels) {
  channels_ = {"oncall"};
  max_notify_age_ = std::chrono::hours(1);
  auto store = open("s");
  auto t = task(*store);
  int64_t now = now_ms();
  ASSERT_TRUE(t->apply(record("old", 0, 1, now - 39 * 3'600'000LL)));
  ASSERT_TRUE(t->apply(record("edge", 0, 2, now - 3'540'000)));  // 59 minutes
  ASSERT_TRUE(t->apply(record("live", 0, 3, now - 1000)));
  t->flush();
  ASSERT_TRUE(store->commit_batch().ok());
  std::map<std::string, OutboxEntry> by_host = per_host_outbox(*store);
  ASSERT_EQ(by_host.size(), 3u);
  EXPECT_TRUE(by_host["old"].channels.empty());
  EXPECT_EQ(by_host["edge"].channels, channels_);
  EXPECT_EQ(by_host["live"].channels, channels_);
  // The frequency rule fired on edge and live (59 minutes apart): recent, so notified.
  EXPECT_EQ(fired_.size(), 4u);
  EXPECT_EQ(too_old_.size(), 1u) << "counted once per alert held back";
}

// A live log whose @timestamp is hours off (a wrong zone, a skewed host) reached Kafka just
// now: it is not history, it pages.
TEST_F(StateTaskTest, ALiveRecordWithAnOldTimestampStillPages) {
  channels_ = {"oncall"};
  max_notify_age_ = std::chrono::hours(1);
  auto store = open("s");
  auto t = task(*store);
  int64_t now = now_ms();
  ASSERT_TRUE(t->apply(record("skewed", 0, 1, now - 8 * 3'600'000LL, now - 200)));
  ASSERT_TRUE(t->apply(record("history", 0, 2, now - 7 * 3'600'000LL, now - 7 * 3'600'000LL)));
  t->flush();
  ASSERT_TRUE(store->commit_batch().ok());
  std::map<std::string, OutboxEntry> by_host = per_host_outbox(*store);
  EXPECT_EQ(by_host["skewed"].channels, channels_);
  EXPECT_TRUE(by_host["history"].channels.empty());
}

TEST_F(StateTaskTest, MaxNotifyAgeZeroSendsHistoryToChannelsToo) {
  channels_ = {"oncall"};
  auto store = open("s");
  auto t = task(*store);
  ASSERT_TRUE(t->apply(record("old", 0, 1, now_ms() - 39 * 3'600'000LL)));
  t->flush();
  ASSERT_TRUE(store->commit_batch().ok());
  for (auto& e : store->pending_alerts()) EXPECT_EQ(e.channels, channels_);
  EXPECT_TRUE(too_old_.empty());
}

TEST_F(StateTaskTest, ADiscardedBatchIsAppliedAgain) {
  auto store = open("s");
  auto t = task(*store);
  EXPECT_TRUE(t->apply(record("a", 0, 5)));
  t->discard();
  store->discard_batch();
  EXPECT_TRUE(t->apply(record("a", 0, 5)));
}

const int64_t kDayAgo = now_ms() - 86'400'000;

// Stream time is stored with the state: a task reopened on the store (a restart, another
// pod restoring the changelog) resumes at it, not at zero (which meant the wall clock).
TEST_F(StateTaskTest, StreamTimeIsKeptWithTheState) {
  auto store = open("s");
  EXPECT_EQ(store->stream_time(), std::nullopt);
  {
    auto t = task(*store);
    EXPECT_EQ(t->stream_time(), 0);
    t->apply(record("a", 0, 5, kDayAgo));
    t->flush();
    ASSERT_TRUE(store->commit_batch().ok());
    EXPECT_EQ(store->stream_time(), kDayAgo);
    t->apply(record("a", 0, 7, kDayAgo + 2));  // then discarded: not stored
    t->flush();
    t->discard();
    store->discard_batch();
    EXPECT_EQ(store->stream_time(), kDayAgo);
  }
  EXPECT_EQ(task(*store)->stream_time(), kDayAgo);
  // The key travels with the state: it is among the changes the changelog carries.
  auto t = task(*store);
  t->apply(record("b", 0, 9, kDayAgo + 9));
  t->flush();
  bool carried = false;
  store->visit_changes([&](std::string_view key, const std::string_view* value) {
    carried = carried || (key == "m\x1fstream_time" && value != nullptr);
  });
  EXPECT_TRUE(carried);
}

// A store written before stream time was kept: its groups' newest last match stands in.
TEST_F(StateTaskTest, AStoreWithoutStreamTimeTakesItsNewestGroups) {
  auto store = open("s");
  {
    auto t = task(*store);
    t->apply(record("a", 0, 5, kDayAgo));
    t->apply(record("b", 0, 50, kDayAgo + 50));
    t->flush();
    store->erase("m\x1fstream_time");
    ASSERT_TRUE(store->commit_batch().ok());
  }
  ASSERT_EQ(store->stream_time(), std::nullopt);
  EXPECT_EQ(task(*store)->stream_time(), kDayAgo + 50);
}

// Issue 18, 5: a match produced under rule set N and applied after N+1 removed (or renamed)
// its rule is applied under the retired rule; only a rule no set has is dropped, and said so.
TEST_F(StateTaskTest, AMatchOfARetiredRuleIsAppliedUnderItAndAnUnknownOneReported) {
  auto store = open("s");
  MatchRecord in_flight = record("a", 0, 5);  // made under kTwoRules
  ActiveRules renamed(rules(R"(rules:
  - name: per-host-renamed
    type: any
    message: {match: ['ERROR']}
    group_by: host
)"));
  auto t = task(*store);
  t->use_rules(&renamed.by_state_id, &active_.by_state_id);  // kTwoRules retired
  EXPECT_TRUE(t->apply(in_flight));
  EXPECT_EQ(fired_.size(), 1u) << "per-host fired under the retired rule";
  EXPECT_TRUE(dropped_.empty());

  t->use_rules(&renamed.by_state_id, nullptr);  // the retired set is gone (a restart)
  EXPECT_TRUE(t->apply(record("b", 0, 6)));
  EXPECT_EQ(fired_.size(), 1u);
  ASSERT_EQ(dropped_.size(), 2u) << "both rules' matches, reported";
  for (const auto& id : dropped_) EXPECT_EQ(active_.by_state_id.count(id), 1u) << id;
}

TEST_F(StateTaskTest, AStandingFlatlineGroupBelongsToOnePartition) {
  ActiveRules flat(rules(R"(rules:
  - name: success-stopped
    type: flatline
    message: {match: ['pay-success']}
    threshold: 1
    timeframe: 5m
)"));
  int owners = 0;
  for (int32_t p = 0; p < 3; ++p) {
    auto store = open("p" + std::to_string(p));
    StateTask t(*store, StateTaskOptions{LogicOptions{}, AlertOptions{}, p, 3, {}}, {});
    t.use_rules(&flat.by_state_id);
    t.advance(1'000'000);
    t.flush();
    ASSERT_TRUE(store->commit_batch().ok());
    owners += store->estimated_groups() == 1 ? 1 : 0;
    EXPECT_EQ(store->estimated_groups() == 1,
              state_partition(flat.matcher->rules()[0].state_id(), "success-stopped", 3) == p);
  }
  EXPECT_EQ(owners, 1);
}

}  // namespace
}  // namespace klaxon
