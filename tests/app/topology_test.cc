// The whole engine through the broker-free TopologyDriver: records in, alerts and committed
// offsets out, across hand-overs, restores, crashes and time moving by hand. The same paths
// run through real Kafka clients in tests/integration and tests/chaos; here each is exact
// and takes milliseconds.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/internal_topics.h"
#include "fakes/topology_driver.h"

namespace klaxon::fakes {
namespace {

constexpr const char* kRules = R"(rules:
  - name: bug
    type: any
    filter: {tags: {all: [exception_stack]}}
    group_by: fingerprint
    realert: 1h
  - name: timeouts
    type: frequency
    message: {match: ['code=CHANNEL_TIMEOUT']}
    group_by: host
    num_events: 5
    timeframe: 10m
    realert: 1h
)";

constexpr int64_t kDay = 86'400'000;

std::string stack(int bug, int line) {
  return "ERROR pay failed\njava.lang.IllegalStateException" + std::to_string(bug) +
         ": boom\n\tat com.pay.Service.charge(Service.java:" + std::to_string(line) +
         ")\n\tat com.pay.Api.pay(Api.java:" + std::to_string(line + 7) + ")";
}

// Four bugs, each logged by three hosts (one input partition per host) at `at`.
void produce_bugs(TopologyDriver& d, int64_t at, int line_base) {
  for (int bug = 0; bug < 4; ++bug)
    for (int host = 0; host < 3; ++host)
      d.produce_event(host,
                      logstash_event(at + bug * 1000 + host, "pay-app-0" + std::to_string(host),
                                     stack(bug, line_base + host), {"exception_stack"}));
}

std::map<std::string, int> alerts_by_group(const TopologyDriver& d) {
  std::map<std::string, int> out;
  for (const Alert& a : d.alerts()) ++out[a.rule + "/" + a.group_key];
  return out;
}

void expect_every_offset_committed(const TopologyDriver& d) {
  for (const TopicPartition& tp : d.all_partitions()) {
    int64_t end = d.kafka().end(tp.topic, tp.partition);
    if (end == 0) continue;  // nothing was read from it: no offset to commit
    EXPECT_EQ(d.committed(tp.topic, tp.partition), end) << tp.topic << "/" << tp.partition;
  }
}

TEST(Topology, EachIncidentAlertsOnceAndEveryOffsetIsCommitted) {
  TopologyDriver d(kRules);
  auto pod = d.start_pod("a");
  pod->assign(d.all_partitions());
  produce_bugs(d, d.clock().wall_ms() - 60'000, 40);
  pod->step(10);
  EXPECT_EQ(d.alerts().size(), 4u);
  for (const auto& [group, n] : alerts_by_group(d)) EXPECT_EQ(n, 1) << group;
  pod->stop();
  expect_every_offset_committed(d);
  EXPECT_TRUE(d.dead_letters().empty());
}

TEST(Topology, AnInvalidRecordIsDeadLetteredAndCommittedPastWithTheRest) {
  TopologyDriver d(kRules);
  auto pod = d.start_pod("a");
  pod->assign(d.all_partitions());
  d.produce_event(1, "{\"@timestamp\": not json");
  produce_bugs(d, d.clock().wall_ms() - 60'000, 40);
  pod->step(10);
  pod->stop();
  ASSERT_EQ(d.dead_letters().size(), 1u);
  EXPECT_EQ(d.dead_letters()[0].key, "pay_log_topic/1/0@klaxon");
  EXPECT_EQ(d.alerts().size(), 4u);
  expect_every_offset_committed(d);
}

// Two input topics with short names, read in many small batches: each partition's offsets are
// its own (the pipeline keys its cursors on the topic name's address, one per topic).
TEST(Topology, TwoInputTopicsKeepTheirOwnOffsets) {
  DriverOptions options;
  options.input_topics = {"logs_a", "logs_b"};
  TopologyDriver d(kRules, options);
  d.config().kafka.batch_size = 3;
  auto pod = d.start_pod("a");
  pod->assign(d.all_partitions());
  const int64_t t0 = d.clock().wall_ms() - 60'000;
  for (int i = 0; i < 30; ++i)
    d.produce_event(i % 3, logstash_event(t0 + i, "pay-app-00", "code=CHANNEL_TIMEOUT"), -1,
                    i % 2 ? "logs_a" : "logs_b");
  pod->step(40);
  EXPECT_EQ(pod->pipeline().stats().events.load(), 30u);
  EXPECT_EQ(pod->pipeline().stats().matches_applied.load(), 30u);
  pod->stop();
  expect_every_offset_committed(d);
  EXPECT_TRUE(d.dead_letters().empty());
  ASSERT_EQ(d.alerts().size(), 1u) << "30 timeouts on one host: one alert, realert 1h";
}

// Issue 18, 1, exactly: events days behind the wall clock; the pod that read them stops; one
// with an empty disk restores the state partitions and no new input comes while the wall
// clock moves on. Its time is the restored partitions' own: no group expires, and the same
// bugs a minute later in their own time are inside the realert hour.
TEST(Topology, ARestoredPartitionKeepsItsEventTimeDaysBehindTheWallClock) {
  TopologyDriver d(kRules);
  const int64_t t0 = d.clock().wall_ms() - 3 * kDay;
  produce_bugs(d, t0, 40);
  {
    auto a = d.start_pod("a");
    a->assign(d.all_partitions());
    a->step(10);
    a->stop();
  }
  ASSERT_EQ(d.alerts().size(), 4u);
  auto b = d.start_pod("b");
  b->assign(d.all_partitions());
  for (int i = 0; i < 60; ++i) {  // a minute of idle time steps, caught up
    d.clock().advance(std::chrono::seconds(1));
    b->step();
  }
  produce_bugs(d, t0 + 60'000, 400);
  b->step(10);
  b->stop();
  EXPECT_EQ(d.alerts().size(), 4u) << "the same incidents alerted again after the hand-over";
  expect_every_offset_committed(d);
}

// A pod killed after the broker wrote its alerts and before it heard so (their removal from
// the outbox never committed): the next owner reads the topic back and does not send them
// again.
TEST(Topology, AKillBetweenPublishingAndCommittingSendsNoAlertTwice) {
  for (bool same_disk : {true, false}) {
    SCOPED_TRACE(same_disk ? "restarted on its disk" : "moved to an empty disk");
    TopologyDriver d(kRules);
    produce_bugs(d, d.clock().wall_ms() - 60'000, 40);
    auto a = d.start_pod("a");
    a->assign(d.all_partitions());
    for (int turn = 0; turn < 20 && a->sink().queued("pay_alerts") < 4; ++turn) a->step();
    ASSERT_EQ(a->sink().queued("pay_alerts"), 4u) << "the alerts in flight when killed";
    ASSERT_TRUE(d.alerts().empty());
    a->crash(true);
    ASSERT_EQ(d.alerts().size(), 4u);
    auto b = d.start_pod(same_disk ? "a" : "b");
    b->assign(d.all_partitions());
    b->step(10);
    b->stop();
    std::set<std::string> ids;
    for (const Alert& a : d.alerts()) EXPECT_TRUE(ids.insert(a.id).second) << a.id;
    EXPECT_EQ(ids.size(), 4u);
    expect_every_offset_committed(d);
  }
}

// A crash at every turn of the loop, with and without the producer's last records written,
// with offsets committed at every poll or never (all of it read again): the next pod on an
// empty disk ends with each incident alerted once, and nothing missing.
TEST(Topology, AKillAtAnyTurnLosesNoIncidentAndAlertsNoneTwice) {
  for (int kill_at = 0; kill_at < 8; ++kill_at)
    for (bool written : {false, true})
      for (bool commits : {true, false}) {
        SCOPED_TRACE("killed after turn " + std::to_string(kill_at) +
                     (written ? ", in-flight records written" : ", in-flight records lost") +
                     (commits ? ", offsets committed at each poll" : ", nothing committed"));
        TopologyDriver d(kRules);
        produce_bugs(d, d.clock().wall_ms() - 60'000, 40);
        auto a = d.start_pod("a");
        a->source().set_auto_commit(commits);
        a->assign(d.all_partitions());
        a->step(kill_at);
        a->crash(written);
        auto b = d.start_pod("b");
        b->assign(d.all_partitions());
        b->step(10);
        b->stop();
        std::map<std::string, int> groups = alerts_by_group(d);
        EXPECT_EQ(groups.size(), 4u);
        for (const auto& [group, n] : groups) EXPECT_EQ(n, 1) << group;
        expect_every_offset_committed(d);
      }
}

// Partitions lost (session timeout: nothing committed with them) are read again by their next
// owner; matches already applied to the changelogged state are recognised and not counted
// twice.
TEST(Topology, LostPartitionsAreReadAgainWithoutCountingTwice) {
  TopologyDriver d(kRules);
  const int64_t t0 = d.clock().wall_ms() - 60'000;
  auto a = d.start_pod("a");
  a->source().set_auto_commit(false);
  a->assign(d.all_partitions());
  for (int i = 0; i < 4; ++i)  // four timeouts on one host: one short of the threshold
    d.produce_event(0, logstash_event(t0 + i, "pay-app-00", "code=CHANNEL_TIMEOUT"));
  a->step(10);
  a->lose(d.all_partitions());
  a->step();
  EXPECT_TRUE(a->source().assigned().empty());
  auto b = d.start_pod("b");
  b->assign(d.all_partitions());
  b->step(10);
  EXPECT_TRUE(d.alerts().empty()) << "four timeouts, read twice, counted as eight";
  d.produce_event(0, logstash_event(t0 + 10, "pay-app-00", "code=CHANNEL_TIMEOUT"));
  b->step(10);
  b->stop();
  ASSERT_EQ(d.alerts().size(), 1u);
  EXPECT_EQ(d.alerts()[0].count, 5u);
  a->stop();
}

constexpr const char* kFlatlineRule = R"(rules:
  - name: success-stopped
    type: flatline
    message: {match: ['code=SUCCESS']}
    group_by: rule
    threshold: 1
    timeframe: 5m
    realert: 1h
)";

void produce_success(TopologyDriver& d, int64_t at) {
  d.produce_event(0, logstash_event(at, "pay-app-00", "pay ok code=SUCCESS"));
}

// Caught up and idle, a partition's time moves on from its newest event at the wall clock's
// pace once state.grace_period (30 s) has passed: a flatline of 5 m fires after 5 m 30 s of
// silence, not before.
TEST(Topology, IdleTimeMovesOnAtTheWallClocksPaceAfterTheGracePeriod) {
  TopologyDriver d(kFlatlineRule);
  auto pod = d.start_pod("a");
  pod->assign(d.all_partitions());
  produce_success(d, d.clock().wall_ms() - 1000);
  pod->step(5);
  ASSERT_EQ(pod->pipeline().stats().matches_applied.load(), 1u);
  for (int s = 0; s < 320; ++s) {
    d.clock().advance(std::chrono::seconds(1));
    pod->step();
  }
  EXPECT_TRUE(d.alerts().empty()) << "fired within the timeframe and the grace period";
  for (int s = 0; s < 20; ++s) {
    d.clock().advance(std::chrono::seconds(1));
    pod->step();
  }
  ASSERT_EQ(d.alerts().size(), 1u);
  EXPECT_EQ(d.alerts()[0].rule, "success-stopped");
  pod->stop();
}

// A backlog days behind the wall clock, read in small batches while the wall clock races on
// (ten minutes per batch): only event time counts until the pod has caught up, so a stream
// with no gap of 5 m fires no flatline however long the reading takes.
TEST(Topology, WhileABacklogIsReadOnlyEventTimeCounts) {
  TopologyDriver d(kFlatlineRule);
  d.config().kafka.batch_size = 2;
  const int64_t t0 = d.clock().wall_ms() - 3 * kDay;
  for (int m = 0; m < 20; ++m) produce_success(d, t0 + m * 60'000);
  auto pod = d.start_pod("a");
  pod->assign(d.all_partitions());
  for (int turn = 0; turn < 200 && pod->pipeline().stats().matches_applied.load() < 20; ++turn) {
    d.clock().advance(std::chrono::minutes(10));
    pod->step();
  }
  ASSERT_EQ(pod->pipeline().stats().matches_applied.load(), 20u);
  EXPECT_TRUE(d.alerts().empty()) << "the wall clock's minutes counted as the backlog's";
  // A real gap, in the backlog's own time: 12 minutes without a success.
  produce_success(d, t0 + 32 * 60'000);
  pod->step(5);
  ASSERT_EQ(d.alerts().size(), 1u);
  EXPECT_EQ(d.alerts()[0].event_time_ms, t0 + 19 * 60'000 + 5 * 60'000)
      << "fired when the silence reached the timeframe, in event time";
  pod->stop();
}

}  // namespace
}  // namespace klaxon::fakes
