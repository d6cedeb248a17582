// Several `klaxon run` processes in one consumer group, scaled 1 -> 3 -> 1, one of them
// killed with SIGKILL and restarted, while traffic with repeating stack traces flows: every
// alert that should fire fires exactly once, and a frequency threshold crossed across the
// rebalances fires once.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "alert/alert.h"
#include "config/internal_topics.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

std::string stack_event(int64_t t, int bug, int host, int line) {
  return R"({"@timestamp":")" + format_timestamp_ms(t) + R"(","type":"pay-biz","host":"pay-app-)" +
         std::to_string(host) +
         R"(","tags":["exception_stack"],"message":"ERROR pay failed\ncom.pay.Bug)" +
         std::to_string(bug) + R"(Exception: boom\n\tat com.pay.Service.step)" +
         std::to_string(bug) + "(Service.java:" + std::to_string(line) + ")\"}";
}

std::string timeout_event(int64_t t, int host) {
  return R"({"@timestamp":")" + format_timestamp_ms(t) + R"(","type":"pay-biz","host":"pay-app-)" +
         std::to_string(host) + R"(","message":"pay-failure code=CHANNEL_TIMEOUT"})";
}

std::string noise_event(int64_t t, int host) {
  return R"({"@timestamp":")" + format_timestamp_ms(t) +
         R"(","type":"pay-debug","host":"pay-app-)" + std::to_string(host) +
         R"(","message":"DEBUG pay-success orderId=P1"})";
}

struct Pod {
  std::string config;
  std::string log;
  std::unique_ptr<Child> child;
  void start() { child = std::make_unique<Child>(config, log); }
};

TEST(Scaling, OneThenThreeThenOnePodsWithAKillAlertExactlyOnce) {
  KafkaCluster kafka;
  TempDir dir;
  std::ofstream(dir.file("rules.yaml")) << R"(rules:
  - name: bug
    type: any
    filter: {tags: {all: [exception_stack]}}
    group_by: fingerprint
    realert: 1h
  - name: timeouts
    type: frequency
    message: {match: ['code=CHANNEL_TIMEOUT']}
    group_by: host
    num_events: 20
    timeframe: 1h
    realert: 1h
)";
  std::vector<Pod> pods(3);
  for (size_t i = 0; i < pods.size(); ++i) {
    pods[i].config = dir.file("pod" + std::to_string(i) + ".yaml");
    pods[i].log = dir.file("pod" + std::to_string(i) + ".log");
    std::ofstream(pods[i].config)
        << "kafka:\n  bootstrap_servers: " << kafka.bootstrap()
        << "\n  commit_interval: 200ms\n  poll_timeout: 50ms\n"
        << "  properties:\n    session.timeout.ms: 6000\n    heartbeat.interval.ms: 500\n"
        << "rules:\n  path: " << dir.file("rules.yaml") << "\n  reload: false\n"
        << "state:\n  dir: " << dir.file("state" + std::to_string(i)) << "\n  sync: false\n"
        << "metrics:\n  listen: 127.0.0.1:" << free_port() << "\n"
        << "alert:\n  log_alerts: false\n";
  }

  // Traffic: 150 rounds of event time one second apart; 12 bugs recurring on 6 hosts with
  // shifting line numbers (one fingerprint each); timeouts spread over 4 hosts.
  const int64_t t0 = *parse_timestamp_ms("2026-11-24T09:00:00Z");
  std::map<int, int> timeouts_per_host;
  std::atomic<bool> produced{false};
  std::thread producer([&] {
    std::mt19937 rng(7);
    for (int round = 0; round < 150; ++round) {
      std::vector<std::pair<std::string, std::string>> records;
      int64_t t = t0 + round * 1000;
      for (int i = 0; i < 10; ++i) {
        int host = static_cast<int>(rng() % 6);
        records.emplace_back("pay-app-" + std::to_string(host),
                             stack_event(t + i, static_cast<int>(rng() % 12), host,
                                         100 + static_cast<int>(rng() % 50)));
        records.emplace_back("n" + std::to_string(rng()), noise_event(t + i, host));
      }
      int host = static_cast<int>(rng() % 4);
      ++timeouts_per_host[host];
      records.emplace_back("pay-app-" + std::to_string(host), timeout_event(t + 50, host));
      kafka.produce("pay_log_topic", records);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    produced = true;
  });

  auto sleep = [](int s) { std::this_thread::sleep_for(std::chrono::seconds(s)); };
  pods[0].start();
  sleep(4);
  pods[1].start();
  pods[2].start();
  sleep(8);
  EXPECT_EQ(pods[1].child->kill(SIGKILL), -SIGKILL);
  sleep(3);
  pods[1].start();
  sleep(9);
  EXPECT_EQ(pods[1].child->kill(SIGTERM), 0) << slurp(pods[1].log);
  EXPECT_EQ(pods[2].child->kill(SIGTERM), 0) << slurp(pods[2].log);
  producer.join();

  // The one pod left takes everything over and catches up.
  auto caught_up = [&] {
    for (const std::string& topic : {std::string("pay_log_topic"), repartition_topic("klaxon")}) {
      auto end = kafka.end_offsets(topic);
      auto committed = kafka.committed("klaxon", topic);
      for (auto [p, hi] : end)
        if (committed[p] != hi) return false;
    }
    return true;
  };
  for (int i = 0; i < 600 && !caught_up(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(caught_up()) << slurp(pods[0].log);
  sleep(2);
  EXPECT_EQ(pods[0].child->kill(SIGTERM), 0) << slurp(pods[0].log);

  std::map<std::string, int> per_group;
  std::map<std::string, int> per_rule;
  for (const auto& r : kafka.read_all("pay_alerts")) {
    Alert a;
    ASSERT_TRUE(from_json(r.value, a));
    ++per_group[a.rule + "/" + a.group_key];
    ++per_rule[a.rule];
  }
  for (const auto& [g, n] : per_group) EXPECT_EQ(n, 1) << g << " alerted " << n << " times";
  EXPECT_EQ(per_rule["bug"], 12) << "one alert per bug, whichever pod saw it";
  int crossing = 0;
  for (auto [host, n] : timeouts_per_host) crossing += n >= 20 ? 1 : 0;
  EXPECT_EQ(per_rule["timeouts"], crossing) << "each host's threshold crossed once";
  if (HasFailure())
    for (const Pod& p : pods) ADD_FAILURE() << p.log << ":\n" << slurp(p.log);
}

}  // namespace
}  // namespace klaxon::testing
