// Alert delivery through `klaxon run` as deployed: a webhook receiver and an SMTP server are
// down while alerts fire, klaxon is killed with SIGKILL, the receivers come back, klaxon
// restarts: every alert that fired reaches each channel at least once, the mailbox gets a
// digest instead of a storm, and no secret appears in the log or the metrics.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "alert/alert.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

const char* kPython = "/usr/bin/python3";

size_t count_lines(const std::string& file) {
  std::string s = slurp(file);
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(Delivery, ChannelsDownThenBackAcrossAKillEveryAlertArrivesWithoutAStorm) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port(), hook_port = free_port(), smtp_port = free_port();
  const std::string hook_secret = "hmac-4f1e9b27c5d0", url_key = "robot-9a8b7c6d5e4f";
  setenv("KLAXON_TEST_HOOK_SECRET", hook_secret.c_str(), 1);
  std::string hook_url = "http://127.0.0.1:" + std::to_string(hook_port) + "/hook?key=" + url_key;
  setenv("KLAXON_TEST_HOOK_URL", hook_url.c_str(), 1);
  std::string config = dir.file("klaxon.yaml");
  // Event times of 2026-11-25: history, notified all the same (max_notify_age off).
  std::ofstream(config) << child_config_yaml(kafka, dir, port) << "alert:\n  max_notify_age: 0s\n"
                        << "notify:\n  default_channels: [hook, mail]\n"
                        << "  retry_initial: 100ms\n  retry_max: 500ms\n  channels:\n"
                        << "    hook:\n      type: webhook\n      url_env: KLAXON_TEST_HOOK_URL\n"
                        << "      hmac_secret_env: KLAXON_TEST_HOOK_SECRET\n"
                        << "    mail:\n      type: email\n      url: smtp://127.0.0.1:" << smtp_port
                        << "\n      starttls: 'off'\n      from: klaxon@pay.example\n"
                        << "      to: [oncall@pay.example]\n"
                        << "      rate_limit: {count: 2, per: 20s}\n";
  std::string log = dir.file("klaxon.log");

  // The webhook receiver answers 503 while the file `down` exists; SMTP is not started yet.
  std::ofstream(dir.file("down")) << "x";
  Process hook(
      {kPython, source_path("tests/tools/http_receiver.py"), "--port", std::to_string(hook_port),
       "--record", dir.file("hook.jsonl"), "--fail-while", dir.file("down")},
      dir.file("hook.out"));
  ASSERT_TRUE(hook.wait_output("ready"));

  constexpr int64_t t0 = 1795515330000;
  kafka.produce("pay_log_topic", pay_traffic(41, t0));
  {
    Child klaxon(config, log);
    ASSERT_EQ(kafka.read("pay_alerts", 5, std::chrono::seconds(40)).size(), 5u) << slurp(log);
    ASSERT_TRUE(
        wait_until([&] { return scrape_metric(port, "klaxon_delivery_retries_total") >= 2; }, 40))
        << slurp(log);
    EXPECT_EQ(klaxon.kill(SIGKILL), -SIGKILL);
  }
  EXPECT_EQ(count_lines(dir.file("hook.jsonl")), 0u);

  // Both channels come back; klaxon restarts and resumes its outbox.
  std::remove(dir.file("down").c_str());
  Process smtp({kPython, source_path("tests/tools/smtp_receiver.py"), "--port",
                std::to_string(smtp_port), "--record", dir.file("mail.jsonl")},
               dir.file("smtp.out"));
  ASSERT_TRUE(smtp.wait_output("ready"));
  Child klaxon(config, log);
  // Everything consumed and committed, the outbox empty: every alert that fired is out.
  ASSERT_TRUE(wait_until(
      [&] {
        auto end = kafka.end_offsets("pay_log_topic");
        auto committed = kafka.committed("klaxon", "pay_log_topic");
        for (auto [p, hi] : end)
          if (committed[p] != hi) return false;
        return scrape_metric(port, "klaxon_alert_outbox_pending") == 0;
      },
      90))
      << slurp(log);
  std::set<std::string> fired;
  for (const auto& r : kafka.read_all("pay_alerts")) {
    Alert a;
    ASSERT_TRUE(from_json(r.value, a));
    fired.insert(a.id);
  }
  ASSERT_GE(fired.size(), 5u);
  auto all_in = [&](const std::string& file) {
    std::string got = slurp(file);
    for (const auto& id : fired)
      if (got.find(id) == std::string::npos) return false;
    return true;
  };
  EXPECT_TRUE(wait_until([&] { return all_in(dir.file("hook.jsonl")); }, 60))
      << slurp(dir.file("hook.jsonl")) << slurp(log);
  EXPECT_TRUE(wait_until([&] { return all_in(dir.file("mail.jsonl")); }, 60))
      << slurp(dir.file("mail.jsonl")) << slurp(log);
  // No storm: two messages per 20 s at most for the mailbox (its rate limit); what waits
  // for the next token goes out as one digest.
  size_t mails = count_lines(dir.file("mail.jsonl"));
  EXPECT_LE(mails, 3u) << slurp(dir.file("mail.jsonl"));
  EXPECT_NE(slurp(dir.file("mail.jsonl")).find("rate limit reached; one digest instead"),
            std::string::npos)
      << slurp(dir.file("mail.jsonl"));
  // Every webhook request is signed.
  std::istringstream requests(slurp(dir.file("hook.jsonl")));
  for (std::string line; std::getline(requests, line);)
    EXPECT_NE(line.find("X-Klaxon-Signature\": \"sha256="), std::string::npos) << line;
  std::string metrics;
  ASSERT_EQ(http_get(port, "/metrics", metrics), 200);
  EXPECT_GE(
      metric_value(metrics, "klaxon_deliveries_total", {"channel=\"hook\"", "result=\"accepted\""}),
      static_cast<double>(fired.size()));
  EXPECT_GE(metric_value(metrics, "klaxon_delivery_digests_total", {"channel=\"mail\""}), 1);
  EXPECT_EQ(klaxon.kill(SIGTERM), 0) << slurp(log);

  // Secrets: in neither the log nor the metrics.
  for (const std::string& secret : {hook_secret, url_key}) {
    EXPECT_EQ(slurp(log).find(secret), std::string::npos) << secret;
    EXPECT_EQ(metrics.find(secret), std::string::npos) << secret;
  }
}

// A first deployment: a new group on auto_offset_reset earliest over a topic holding days of
// logs. Every alert is decided and written to the alerts topic (so dedup state is warm), but
// only those within alert.max_notify_age (default 1h) of the wall clock reach the channels.
TEST(Delivery, AFirstDeploymentOverDaysOfHistoryPagesOnlyForTheLastHour) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port(), hook_port = free_port();
  std::string config = dir.file("klaxon.yaml");
  std::ofstream(config) << child_config_yaml(kafka, dir, port)
                        << "notify:\n  default_channels: [hook]\n  channels:\n"
                        << "    hook:\n      type: webhook\n      url: http://127.0.0.1:"
                        << hook_port << "/hook\n";
  Process hook({kPython, source_path("tests/tools/http_receiver.py"), "--port",
                std::to_string(hook_port), "--record", dir.file("hook.jsonl")},
               dir.file("hook.out"));
  ASSERT_TRUE(hook.wait_output("ready"));
  const int64_t now = now_ms();
  size_t history = 0, live = 0;
  // 39, 20 and 2 hours ago, then ten minutes ago: each block a fresh window per group.
  for (int64_t ago : {39 * 3'600'000LL, 20 * 3'600'000LL, 2 * 3'600'000LL, 600'000LL}) {
    std::set<std::string> bugs;
    auto traffic = pay_traffic(50 + ago % 97, now - ago, 600, &bugs);
    // One key, one partition: the history is read in the order it happened (blocks hours
    // apart over several partitions would be read side by side, beyond the grace period),
    // 600 events a block: the mock keeps about 5 MiB per partition.
    for (auto& [key, value] : traffic) key = "pay-app";
    // Written to Kafka when it was logged: history by its Kafka timestamp too.
    kafka.produce_at("pay_log_topic", traffic, now - ago);
    (ago > 3'600'000 ? history : live) += 1 + bugs.size();
  }
  std::string log = dir.file("klaxon.log");
  Child klaxon(config, log);
  ASSERT_EQ(kafka.read("pay_alerts", history + live, std::chrono::seconds(40)).size(),
            history + live)
      << slurp(log);
  ASSERT_TRUE(wait_until([&] { return count_lines(dir.file("hook.jsonl")) >= live; }, 30))
      << slurp(log);
  ASSERT_TRUE(wait_until([&] {
    return scrape_metric(port, "klaxon_alerts_not_notified_total") == double(history) &&
           scrape_metric(port, "klaxon_alert_outbox_pending") == 0;
  })) << slurp(log);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // nothing else arrives
  EXPECT_EQ(count_lines(dir.file("hook.jsonl")), live) << "only the last hour's alerts paged";
  EXPECT_NE(slurp(log).find("more than alert.max_notify_age, 1h): written to pay_alerts, not "
                            "sent to hook"),
            std::string::npos)
      << slurp(log);
  EXPECT_EQ(klaxon.kill(SIGTERM), 0);
}

// run --from TIME on a group's first start skips what was written to Kafka before TIME (and
// commits it); once the group has committed offsets, --from changes nothing.
TEST(Delivery, RunFromATimeSkipsWhatCameBeforeItOnAFirstStartOnly) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port();
  std::string config = dir.file("klaxon.yaml");
  std::ofstream(config) << child_config_yaml(kafka, dir, port);
  std::string log = dir.file("klaxon.log");
  const int64_t now = now_ms();
  kafka.produce("pay_log_topic", pay_traffic(61, now - 1'800'000, 600));  // before --from
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t from = now_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::set<std::string> bugs_b, bugs_c;
  kafka.produce("pay_log_topic", pay_traffic(62, now - 1'200'000, 600, &bugs_b));
  size_t expected = 1 + bugs_b.size();
  auto end_offsets_committed = [&] {
    auto end = kafka.end_offsets("pay_log_topic");
    return kafka.committed("klaxon", "pay_log_topic") == end;
  };
  {
    Child klaxon(config, log, "run", {"--from", format_timestamp_ms(from)});
    ASSERT_TRUE(wait_until(end_offsets_committed, 40)) << slurp(log);
    ASSERT_TRUE(wait_until([&] {
      return scrape_metric(port, "klaxon_events_skipped_total") == 600;
    })) << slurp(log);
    EXPECT_EQ(kafka.read("pay_alerts", expected + 1, std::chrono::seconds(3)).size(), expected)
        << "only the second block's alerts\n"
        << slurp(log);
    EXPECT_EQ(klaxon.kill(SIGTERM), 0);
  }
  // A restart of the same group with --from later than everything: it resumes at its
  // committed offsets and skips nothing.
  kafka.produce("pay_log_topic", pay_traffic(63, now - 600'000, 600, &bugs_c));
  expected += 1 + bugs_c.size();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Child klaxon(config, log, "run", {"--from", "latest"});
  ASSERT_TRUE(wait_until(end_offsets_committed, 40)) << slurp(log);
  EXPECT_EQ(kafka.read("pay_alerts", expected + 1, std::chrono::seconds(3)).size(), expected)
      << slurp(log);
  EXPECT_EQ(scrape_metric(port, "klaxon_events_skipped_total"), 0);
  EXPECT_EQ(klaxon.kill(SIGTERM), 0);

  CliResult bad = run_klaxon(dir, "run --config " + config + " --from yesterday");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--from: 'yesterday' is not earliest, latest"), std::string::npos)
      << bad.err;
  bad = run_klaxon(dir, "run --config " + config + " --from 2099-01-01T00:00:00Z");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("is in the future"), std::string::npos) << bad.err;
}

// --from latest on a first start: input partitions start at their end (what is there is not
// read at all), while the repartition topic is read from its start.
TEST(Delivery, RunFromLatestStartsAtTheEndOnAFirstStart) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port();
  std::string config = dir.file("klaxon.yaml");
  std::ofstream(config) << child_config_yaml(kafka, dir, port);
  std::string log = dir.file("klaxon.log");
  const int64_t now = now_ms();
  kafka.produce("pay_log_topic", pay_traffic(71, now - 1'800'000, 600));  // before the start
  Child klaxon(config, log, "run", {"--from", "latest"});
  ASSERT_TRUE(wait_until([&] { return slurp(log).find("assigned:") != std::string::npos; }, 30))
      << slurp(log);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // positions resolved at the end
  std::set<std::string> bugs;
  kafka.produce("pay_log_topic", pay_traffic(72, now - 600'000, 600, &bugs));
  size_t expected = 1 + bugs.size();
  ASSERT_TRUE(wait_until(
      [&] {
        return kafka.committed("klaxon", "pay_log_topic") == kafka.end_offsets("pay_log_topic");
      },
      40))
      << slurp(log);
  EXPECT_EQ(kafka.read("pay_alerts", expected + 1, std::chrono::seconds(3)).size(), expected)
      << "only what came after the start\n"
      << slurp(log);
  EXPECT_EQ(scrape_metric(port, "klaxon_events_consumed_total"), 600) << "the rest never read";
  EXPECT_EQ(klaxon.kill(SIGTERM), 0);
}

}  // namespace
}  // namespace klaxon::testing
