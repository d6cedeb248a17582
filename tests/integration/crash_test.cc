// `klaxon run` as a separate process, killed with SIGKILL and restarted: no alert is lost,
// none is sent twice, and redelivered records are recognised as already applied.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "alert/alert.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

bool wait_metric(int port, const std::string& metric, double at_least, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    std::string body;
    if (http_get(port, "/metrics", body) == 200 && metric_value(body, metric) >= at_least)
      return true;
    usleep(100'000);
  }
  return false;
}

TEST(Crash, KillNineAndRestartLosesNothingAndDuplicatesNothing) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port();
  std::string config = dir.file("klaxon.yaml");
  // A long commit interval: at the kill nothing is committed, so everything is redelivered.
  std::ofstream(config) << "kafka:\n  bootstrap_servers: " << kafka.bootstrap()
                        << "\n  commit_interval: 1h\n  poll_timeout: 50ms\n"
                        // The mock waits session.timeout.ms for the killed member.
                        << "  properties:\n    session.timeout.ms: 6000\n"
                        << "    heartbeat.interval.ms: 500\n"
                        << "rules:\n  path: " << source_path("rules/pay.yaml")
                        << "\nstate:\n  dir: " << dir.file("state")
                        << "\nmetrics:\n  listen: 127.0.0.1:" << port << "\n";
  std::string log = dir.file("klaxon.log");
  constexpr int64_t t0 = 1795515330000;
  std::set<std::string> bugs_a, bugs_b;
  kafka.produce("pay_log_topic", pay_traffic(31, t0, 1500, &bugs_a));
  size_t alerts_a = 1 + bugs_a.size();
  {
    Child klaxon(config, log);
    auto got = kafka.read("pay_alerts", alerts_a, std::chrono::seconds(40));
    ASSERT_EQ(got.size(), alerts_a) << slurp(log);
    ASSERT_TRUE(wait_metric(port, "klaxon_events_consumed_total", 1500, 20)) << slurp(log);
    // A crash between an alert's acknowledgement and its removal from the outbox sends it
    // again (same id); removal follows the acknowledgement within a poll.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(klaxon.kill(SIGKILL), -SIGKILL);
  }
  // More of the same bugs, a minute later (inside the window), plus whatever is new.
  kafka.produce("pay_log_topic", pay_traffic(32, t0 + 60'000, 1500, &bugs_b));
  size_t new_bugs = 0;
  for (const auto& b : bugs_b) new_bugs += bugs_a.count(b) ? 0 : 1;

  Child klaxon(config, log);
  ASSERT_TRUE(wait_metric(port, "klaxon_events_consumed_total", 3000, 40)) << slurp(log);
  std::string body;
  ASSERT_EQ(http_get(port, "/metrics", body), 200);
  // The input is redelivered and matched again; its match records (and the repartition
  // records redelivered) are recognised by the state partitions and skipped.
  EXPECT_GT(metric_value(body, "klaxon_events_replayed_total"), 0) << "redelivered, skipped";
  EXPECT_EQ(metric_value(body, "klaxon_alerts_emitted_total"), new_bugs);
  EXPECT_EQ(klaxon.kill(SIGTERM), 0) << slurp(log);

  auto alerts = kafka.read_all("pay_alerts");
  EXPECT_EQ(alerts.size(), alerts_a + new_bugs);
  std::map<std::string, int> per_group;
  for (const auto& r : alerts) {
    Alert a;
    ASSERT_TRUE(from_json(r.value, a));
    ++per_group[a.rule + "/" + a.group_key];
  }
  for (const auto& [g, n] : per_group) EXPECT_EQ(n, 1) << g << "\n" << slurp(log);
  // SIGTERM drained and committed everything.
  auto end = kafka.end_offsets("pay_log_topic");
  auto committed = kafka.committed("klaxon", "pay_log_topic");
  for (auto [p, hi] : end) EXPECT_EQ(committed[p], hi) << "partition " << p;
}

// Twenty SIGKILLs at random moments (while a block of traffic is being processed, while
// state is being restored, between an alert's acknowledgement and the commit of its removal
// from the outbox), each followed by a restart on the same disk. Every block's alerts are
// on the alerts topic once: none lost, no id twice, although the mock cluster cannot look
// offsets up by time (the outbox read-back reads the topic by offset). KLAXON_TEST_SEED
// repeats a run.
TEST(Crash, TwentyKillsAtRandomMomentsSendNoAlertTwice) {
  uint64_t seed = std::getenv("KLAXON_TEST_SEED") ? std::stoull(std::getenv("KLAXON_TEST_SEED"))
                                                  : std::random_device{}();
  SCOPED_TRACE("KLAXON_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port();
  std::string config = dir.file("klaxon.yaml");
  std::ofstream(config) << "kafka:\n  bootstrap_servers: " << kafka.bootstrap()
                        << "\n  commit_interval: 1s\n  poll_timeout: 50ms\n"
                        << "  properties:\n    session.timeout.ms: 4000\n"
                        << "    heartbeat.interval.ms: 300\n"
                        << "rules:\n  path: " << source_path("rules/pay.yaml")
                        << "\nstate:\n  dir: " << dir.file("state")
                        << "\nmetrics:\n  listen: 127.0.0.1:" << port << "\n";
  std::string log = dir.file("klaxon.log");
  constexpr int kKills = 20;
  constexpr int64_t t0 = 1795515330000;
  size_t expected = 0;
  int64_t produced = 0;
  // The session outlasts the mock's 3 s initial rebalance delay, during which a joining
  // member does not heartbeat (a shorter one expires it and its JoinGroup is never answered).
  // Kills land after the pod joined the group: librdkafka 2.0's mock coordinator can stay
  // in its joining state for good when a member dies between JoinGroup and SyncGroup (its
  // REBALANCING timeout moves to JOINING without arming the election timer); a real broker
  // does not. Killed during the restore that follows the assignment they still are.
  size_t mark = 0;
  auto start = [&] {
    mark = slurp(log).size();
    return std::make_unique<Child>(config, log);
  };
  auto joined = [&] {
    return wait_until([&] { return slurp(log).find("assigned:", mark) != std::string::npos; }, 60);
  };
  auto klaxon = start();
  auto all_committed = [&] {
    auto committed = kafka.committed("klaxon", "pay_log_topic");
    int64_t sum = 0;
    for (auto [p, offset] : committed) sum += std::max<int64_t>(offset, 0);
    return sum == produced;
  };
  for (int block = 0; block < kKills; ++block) {
    // Blocks two hours apart in event time: each is a fresh window for every group.
    std::set<std::string> bugs;
    auto traffic = pay_traffic(100 + block, t0 + block * 7'200'000LL, 600, &bugs);
    kafka.produce("pay_log_topic", traffic);
    produced += static_cast<int64_t>(traffic.size());
    expected += 1 + bugs.size();
    ASSERT_TRUE(joined()) << slurp(log);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 2500)(random)));
    EXPECT_EQ(klaxon->kill(SIGKILL), -SIGKILL);
    klaxon = start();
    if (random() % 4 == 0) {  // once in a while, again while it restores its state
      ASSERT_TRUE(joined()) << slurp(log);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 300)(random)));
      EXPECT_EQ(klaxon->kill(SIGKILL), -SIGKILL);
      klaxon = start();
    }
    // The block is done before the next one comes, so event time stays in order.
    ASSERT_TRUE(wait_until([&] { return all_committed(); }, 60)) << "block " << block << "\n"
                                                                 << slurp(log);
    ASSERT_TRUE(joined()) << slurp(log);
    ASSERT_TRUE(wait_until([&] { return kafka.read_all("pay_alerts").size() >= expected; }, 30))
        << "block " << block << "\n"
        << slurp(log);
  }
  // Started, with its signal handling in place, before it is asked to stop.
  ASSERT_TRUE(wait_until([&] { return scrape_metric(port, "klaxon_events_consumed_total") >= 0; }))
      << slurp(log);
  EXPECT_EQ(klaxon->kill(SIGTERM), 0) << slurp(log);

  auto alerts = kafka.read_all("pay_alerts");
  std::map<std::string, int> per_id, per_group;
  for (const auto& r : alerts) {
    Alert a;
    ASSERT_TRUE(from_json(r.value, a));
    ++per_id[a.id];
    ++per_group[a.rule + "/" + a.group_key + "@" +
                std::to_string((a.window_start_ms - t0) / 7'200'000)];
  }
  int duplicates = 0;
  for (const auto& [id, n] : per_id) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0) << slurp(log);
  for (const auto& [g, n] : per_group) EXPECT_EQ(n, 1) << g;
  EXPECT_EQ(per_id.size(), expected) << "every block's alerts, none lost";
  EXPECT_EQ(alerts.size(), expected);
}

}  // namespace
}  // namespace klaxon::testing
