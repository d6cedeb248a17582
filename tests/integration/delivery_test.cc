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

#include "alert/alert.h"
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
  std::ofstream(config) << child_config_yaml(kafka, dir, port)
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

}  // namespace
}  // namespace klaxon::testing
