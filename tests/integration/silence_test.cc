// klaxon's own silences as ops use them: `klaxon silence add` while klaxon runs, the
// matching alerts fire but reach no channel, GET /silences and the metrics show it,
// `klaxon silence expire` ends it in the running pod, and the next alerts arrive.
#include <gtest/gtest.h>

#include <fstream>

#include "alert/alert.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

const char* kPython = "/usr/bin/python3";

// The rules of the alerts the webhook receiver got.
std::multiset<std::string> delivered_rules(const std::string& record) {
  std::multiset<std::string> rules;
  std::ifstream in(record);
  for (std::string line; std::getline(in, line);) {
    // Each line is {"path","headers","body"}; the body is the alert document, escaped.
    for (const char* rule : {"pay-exception-stack", "pay-error-log"})
      if (line.find(std::string("\\\"rule\\\": \\\"") + rule) != std::string::npos ||
          line.find(std::string("\\\"rule\\\":\\\"") + rule) != std::string::npos)
        rules.insert(rule);
  }
  return rules;
}

TEST(Silences, AddedWhileRunningHoldBackTheirAlertsUntilExpired) {
  KafkaCluster kafka;
  TempDir dir;
  int port = free_port(), hook_port = free_port();
  std::string config = dir.file("klaxon.yaml");
  // Event times of 2026-11-25: history, notified all the same (max_notify_age off).
  std::ofstream(config) << child_config_yaml(kafka, dir, port) << "alert:\n  max_notify_age: 0s\n"
                        << "notify:\n  default_channels: [hook]\n  channels:\n"
                        << "    hook:\n      type: webhook\n      url: http://127.0.0.1:"
                        << hook_port << "/hook\n";
  Process hook({kPython, source_path("tests/tools/http_receiver.py"), "--port",
                std::to_string(hook_port), "--record", dir.file("hook.jsonl")},
               dir.file("hook.out"));
  ASSERT_TRUE(hook.wait_output("ready"));
  std::string log = dir.file("klaxon.log");
  Child klaxon(config, log);
  std::string body;
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/silences", body) == 200; }, 30))
      << slurp(log);
  EXPECT_EQ(body, "[]");

  // Mistakes are refused with what is wrong, before anything is written.
  CliResult bad = run_klaxon(dir, "silence -c " + config + " add --rule pay-typo --for 2h");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--rule pay-typo: no such rule"), std::string::npos) << bad.err;
  bad = run_klaxon(dir, "silence -c " + config + " add --match hots=pay-3 --for 2h");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("no alert has a label \"hots\""), std::string::npos) << bad.err;

  CliResult added = run_klaxon(dir, "silence -c " + config +
                                        " add --rule pay-exception-stack --for 2h"
                                        " --author ana --comment 'deploy of pay 4.2'");
  ASSERT_EQ(added.status, 0) << added.err;
  std::string id = added.out.substr(0, added.out.find('\n'));
  ASSERT_EQ(id.size(), 16u) << added.out;
  // The running pod picks it up from the silences topic.
  ASSERT_TRUE(wait_until([&] {
    return http_get(port, "/silences", body) == 200 && body.find(id) != std::string::npos;
  })) << slurp(log);
  EXPECT_NE(body.find(R"("state":"active")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("created_by":"ana")"), std::string::npos) << body;
  EXPECT_EQ(scrape_metric(port, "klaxon_silences", {"state=\"active\""}), 1);

  std::set<std::string> bugs;
  constexpr int64_t t0 = 1795515330000;
  kafka.produce("pay_log_topic", pay_traffic(41, t0, 1500, &bugs));
  size_t fired = 1 + bugs.size();  // one pay-error-log alert, one per bug
  ASSERT_EQ(kafka.read("pay_alerts", fired, std::chrono::seconds(40)).size(), fired);
  ASSERT_TRUE(wait_until([&] {
    return scrape_metric(port, "klaxon_deliveries_total", {"result=\"silenced\""}) ==
               static_cast<double>(bugs.size()) &&
           scrape_metric(port, "klaxon_deliveries_total", {"result=\"accepted\""}) == 1;
  })) << slurp(log);
  EXPECT_EQ(delivered_rules(dir.file("hook.jsonl")), std::multiset<std::string>{"pay-error-log"});
  EXPECT_NE(slurp(log).find("silenced by " + id), std::string::npos);

  CliResult listed = run_klaxon(dir, "silence -c " + config + " list");
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find(id + "  active"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("rule pay-exception-stack"), std::string::npos) << listed.out;

  CliResult expired = run_klaxon(dir, "silence -c " + config + " expire " + id);
  ASSERT_EQ(expired.status, 0) << expired.err;
  ASSERT_TRUE(wait_until([&] {
    return scrape_metric(port, "klaxon_silences", {"state=\"expired\""}) == 1;
  })) << slurp(log);
  EXPECT_EQ(scrape_metric(port, "klaxon_silences", {"state=\"active\""}), 0);

  // An hour later the same bugs fire again, now delivered.
  kafka.produce("pay_log_topic", pay_traffic(41, t0 + 3'600'000));
  ASSERT_TRUE(wait_until(
      [&] { return delivered_rules(dir.file("hook.jsonl")).count("pay-exception-stack") >= 1; },
      40))
      << slurp(log);
  listed = run_klaxon(dir, "silence -c " + config + " list");
  EXPECT_EQ(listed.out.find(id), std::string::npos) << listed.out;
  listed = run_klaxon(dir, "silence -c " + config + " list --all --json");
  EXPECT_NE(listed.out.find(R"("state":"expired")"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace klaxon::testing
