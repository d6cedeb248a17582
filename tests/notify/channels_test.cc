// Each channel against a real receiver on loopback: an HTTP server (webhook, Slack, WeChat),
// Debian's python3-aiosmtpd (email), Debian's prometheus-alertmanager.
#include <gtest/gtest.h>

#include <unistd.h>

#include <signal.h>

#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "config/config.h"
#include "core/error.h"
#include "core/time.h"
#include "integration/harness.h"
#include "notify/channel_factory.h"
#include "notify/http_channels.h"

namespace klaxon {
namespace {

using testing::free_port;
using testing::Process;
using testing::slurp;
using testing::TempDir;

const char* kPython = "/usr/bin/python3";  // Debian's, with python3-aiosmtpd

Alert stack_alert() {
  Alert a;
  a.id = "7f3a9c0d11e2b4a5";
  a.rule = "pay-exception-stack";
  a.rule_type = "any";
  a.severity = "critical";
  a.group_by = "fingerprint";
  a.group_key = "NullPointerException@PayService.settle";
  a.condition = "a match";
  a.count = 1;
  a.event_time_ms = 1'795'515'330'000;
  a.first_seen_ms = a.event_time_ms;
  a.has_source = true;
  a.host = "pay-app-03";
  a.path = "/data/logs/pay.log";
  a.type = "pay-biz";
  a.request_ids = {"req-8841", "req-8842"};
  a.message = "ERROR settle failed <orderId=42 & amount>";
  for (int i = 0; i < 50; ++i)
    a.stack_trace +=
        (i ? "\n\tat com.pay.Frame" + std::to_string(i) + "(Pay.java:" + std::to_string(i) + ")"
           : std::string("java.lang.NullPointerException: null"));
  a.stack_trace_total_lines = 80;
  a.kibana_url = "http://kibana:5601/app/discover#/?_a=(query:'req-8841')&x=1";
  return a;
}

std::vector<std::string> lines_of(const std::string& file) {
  std::vector<std::string> out;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::vector<ChannelSetup> channels_from(const std::string& yaml) {
  return build_channels(parse_config(yaml, "klaxon.yaml").notify);
}

struct HttpReceiver {
  TempDir dir;
  int port = free_port();
  std::string record = dir.file("requests.jsonl");
  std::unique_ptr<Process> process;
  explicit HttpReceiver(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{
        kPython,        testing::source_path("tests/tools/http_receiver.py"),
        "--port",       std::to_string(port),
        "--record",     record,
        "--fail-while", dir.file("down")};
    for (auto& e : extra) argv.push_back(e);
    process = std::make_unique<Process>(argv, dir.file("out"));
    EXPECT_TRUE(process->wait_output("ready")) << slurp(dir.file("out"));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  void down(bool is_down) {
    if (is_down)
      std::ofstream(dir.file("down")) << "x";
    else
      std::remove(dir.file("down").c_str());
  }
};

TEST(WebhookChannel, PostsTheAlertDocumentSignedWithTheSecret) {
  HttpReceiver receiver;
  setenv("KLAXON_TEST_HOOK_SECRET", "s3cr3t-hmac-key", 1);
  auto channels = channels_from(
      "notify:\n  channels:\n    audit:\n      type: webhook\n      url: " + receiver.url() +
      "/hook\n      hmac_secret_env: KLAXON_TEST_HOOK_SECRET\n");
  ASSERT_EQ(channels.size(), 1u);
  Alert a = stack_alert();
  SendResult r = channels[0].channel->send({&a});
  ASSERT_EQ(r.outcome, SendResult::accepted) << r.error;
  auto got = lines_of(receiver.record);
  ASSERT_EQ(got.size(), 1u);
  Alert parsed;
  std::string body = got[0];
  // The receiver stored the body as a JSON string; find the document and signature in it.
  EXPECT_NE(body.find("\"X-Klaxon-Alert-Id\": \"7f3a9c0d11e2b4a5\""), std::string::npos) << body;
  std::string doc = to_json(a);
  EXPECT_NE(
      body.find("\"X-Klaxon-Signature\": \"" + webhook_signature("s3cr3t-hmac-key", doc) + "\""),
      std::string::npos)
      << body;
  // Known answer (RFC 4231 style check of the primitive): HMAC-SHA256("key", "The quick
  // brown fox jumps over the lazy dog").
  EXPECT_EQ(webhook_signature("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(WebhookChannel, DownIsRetriedAndFourHundredIsFinal) {
  HttpReceiver receiver;
  auto channels = channels_from(
      "notify:\n  channels:\n    audit:\n      type: webhook\n      url: " + receiver.url() +
      "/hook\n");
  Alert a = stack_alert();
  receiver.down(true);
  SendResult r = channels[0].channel->send({&a});
  EXPECT_EQ(r.outcome, SendResult::retry);
  EXPECT_NE(r.error.find("HTTP 503"), std::string::npos) << r.error;
  receiver.down(false);
  EXPECT_EQ(channels[0].channel->send({&a}).outcome, SendResult::accepted);
  receiver.process->kill(SIGKILL);
  r = channels[0].channel->send({&a});
  EXPECT_EQ(r.outcome, SendResult::retry);  // connection refused

  HttpReceiver strict({"--fail-status", "400"});
  strict.down(true);
  auto strict_channels = channels_from(
      "notify:\n  channels:\n    audit:\n      type: webhook\n      url: " + strict.url() + "\n");
  EXPECT_EQ(strict_channels[0].channel->send({&a}).outcome, SendResult::rejected);
}

TEST(WeChatChannel, SendsAMarkdownMessageToTheRobot) {
  HttpReceiver receiver({"--wechat"});
  std::string url = receiver.url() + "/cgi-bin/webhook/send?key=0c1d2e3f-robot-key";
  setenv("KLAXON_TEST_WECHAT_URL", url.c_str(), 1);
  auto channels = channels_from(
      "notify:\n  channels:\n    pay-wechat:\n      type: wechat\n      url_env: "
      "KLAXON_TEST_WECHAT_URL\n");
  Alert a = stack_alert();
  SendResult r = channels[0].channel->send({&a});
  ASSERT_EQ(r.outcome, SendResult::accepted) << r.error;
  auto got = lines_of(receiver.record);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("/cgi-bin/webhook/send?key=0c1d2e3f-robot-key"), std::string::npos);
  EXPECT_NE(got[0].find("\\\"msgtype\\\":\\\"markdown\\\""), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("[critical] pay-exception-stack"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("req-8841, req-8842"), std::string::npos) << got[0];

  // A failure names the problem but never the key in the url.
  receiver.process->kill(SIGKILL);
  r = channels[0].channel->send({&a});
  EXPECT_EQ(r.outcome, SendResult::retry);
  EXPECT_EQ(r.error.find("0c1d2e3f-robot-key"), std::string::npos) << r.error;
}

TEST(SlackChannel, SendsTextWithTheKibanaLink) {
  HttpReceiver receiver;
  auto channels = channels_from(
      "notify:\n  channels:\n    pay-slack:\n      type: slack\n      url: " + receiver.url() +
      "/services/T0/B0/x\n");
  Alert a = stack_alert();
  ASSERT_EQ(channels[0].channel->send({&a}).outcome, SendResult::accepted);
  auto got = lines_of(receiver.record);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("*[critical] pay-exception-stack*"), std::string::npos) << got[0];
  // Slack's escaping of log text: < > & become entities, so a log line cannot make a link.
  EXPECT_NE(got[0].find("&lt;orderId=42 &amp; amount&gt;"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("|Open in Kibana>"), std::string::npos) << got[0];
}

TEST(EmailChannel, AMailWithTheStackTraceHeadKibanaLinkAndRequestIds) {
  TempDir dir;
  int port = free_port();
  Process smtp({kPython, testing::source_path("tests/tools/smtp_receiver.py"), "--port",
                std::to_string(port), "--record", dir.file("mail.jsonl")},
               dir.file("smtp.out"));
  ASSERT_TRUE(smtp.wait_output("ready")) << slurp(dir.file("smtp.out"));
  auto channels = channels_from(
      "notify:\n  channels:\n    oncall-mail:\n      type: email\n      url: smtp://127.0.0.1:" +
      std::to_string(port) +
      "\n      starttls: off\n      from: klaxon@pay.example\n      to: [oncall@pay.example, "
      "pay-dev@pay.example]\n");
  Alert a = stack_alert();
  SendResult r = channels[0].channel->send({&a});
  ASSERT_EQ(r.outcome, SendResult::accepted) << r.error;
  auto got = lines_of(dir.file("mail.jsonl"));
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_NE(m.find("\"subject\": \"[critical] pay-exception-stack: "
                   "NullPointerException@PayService.settle\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\"to\": [\"oncall@pay.example\", \"pay-dev@pay.example\"]"), std::string::npos)
      << m;
  EXPECT_NE(m.find("\"alert_id\": \"7f3a9c0d11e2b4a5\""), std::string::npos) << m;
  EXPECT_NE(m.find("Requests:   req-8841, req-8842"), std::string::npos) << m;
  EXPECT_NE(m.find("first 50 of 80 lines"), std::string::npos) << m;
  EXPECT_NE(m.find("Frame49(Pay.java:49)"), std::string::npos) << m;
  EXPECT_NE(m.find("Kibana:     http://kibana:5601/app/discover"), std::string::npos) << m;
  // The HTML part escapes the log text.
  EXPECT_NE(m.find("&lt;orderId=42 &amp; amount&gt;"), std::string::npos) << m;

  smtp.kill(SIGKILL);
  r = channels[0].channel->send({&a});
  EXPECT_EQ(r.outcome, SendResult::retry) << r.error;
}

std::string iso_now_plus(int seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

TEST(AlertmanagerChannel, TheAlertShowsUpAndASilenceThereSuppressesIt) {
  TempDir dir;
  int port = free_port();
  std::ofstream(dir.file("am.yml")) << "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n";
  Process am(
      {"/usr/bin/prometheus-alertmanager", "--config.file=" + dir.file("am.yml"),
       "--storage.path=" + dir.file("data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
      dir.file("am.out"));
  std::string body;
  ASSERT_TRUE(testing::wait_until([&] { return testing::http_get(port, "/-/ready", body) == 200; }))
      << slurp(dir.file("am.out"));
  auto channels = channels_from(
      "notify:\n  channels:\n    am:\n      type: alertmanager\n      url: http://127.0.0.1:" +
      std::to_string(port) + "\n");
  Alert a = stack_alert();
  SendResult r = channels[0].channel->send({&a});
  ASSERT_EQ(r.outcome, SendResult::accepted) << r.error;

  ASSERT_TRUE(testing::wait_until([&] {
    return testing::http_get(port, "/api/v2/alerts", body) == 200 &&
           body.find("pay-exception-stack") != std::string::npos;
  })) << body;
  EXPECT_NE(body.find("\"alertname\":\"pay-exception-stack\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"severity\":\"critical\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"group\":\"NullPointerException@PayService.settle\""), std::string::npos);
  EXPECT_NE(body.find("\"host\":\"pay-app-03\""), std::string::npos);
  EXPECT_NE(body.find("\"request_ids\":\"req-8841, req-8842\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"kibana_url\":"), std::string::npos);
  EXPECT_NE(body.find("\"state\":\"active\""), std::string::npos) << body;

  std::string silence =
      R"({"matchers":[{"name":"alertname","value":"pay-exception-stack","isRegex":false,"isEqual":true}],)"
      R"("startsAt":")" +
      iso_now_plus(-60) + R"(","endsAt":")" + iso_now_plus(3600) +
      R"(","createdBy":"klaxon-test","comment":"deploy in progress"})";
  ASSERT_EQ(testing::http_request(port, "POST", "/api/v2/silences", silence, body), 200) << body;
  // Sent again (the group fired again): Alertmanager keeps it silenced.
  ASSERT_EQ(channels[0].channel->send({&a}).outcome, SendResult::accepted);
  EXPECT_TRUE(testing::wait_until([&] {
    return testing::http_get(port, "/api/v2/alerts", body) == 200 &&
           body.find("\"state\":\"suppressed\"") != std::string::npos;
  })) << body;
}

// Alertmanager keeps alerts in memory: restarted, it has none. The channel posts what it
// sent again on its interval (with the endsAt it was sent with), so a firing alert is back;
// past that endsAt it is forgotten and resolves as it would have.
TEST(AlertmanagerChannel, AFiringAlertIsBackAfterAlertmanagerRestartsAndResolvesWhenDue) {
  TempDir dir;
  int port = free_port();
  std::ofstream(dir.file("am.yml")) << "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n";
  auto start = [&](const std::string& data) {
    auto am = std::make_unique<Process>(
        std::vector<std::string>{
            "/usr/bin/prometheus-alertmanager", "--config.file=" + dir.file("am.yml"),
            "--storage.path=" + dir.file(data),
            "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
        dir.file(data + ".out"));
    std::string body;
    EXPECT_TRUE(testing::wait_until([&] {
      return testing::http_get(port, "/-/ready", body) == 200;
    })) << slurp(dir.file(data + ".out"));
    return am;
  };
  auto has_alert = [&] {
    std::string body;
    return testing::http_get(port, "/api/v2/alerts", body) == 200 &&
           body.find("\"alert_id\":\"7f3a9c0d11e2b4a5\"") != std::string::npos;
  };
  auto am = start("data1");
  auto channels = channels_from(
      "notify:\n  resend_interval: 30s\n  channels:\n    am:\n      type: alertmanager\n"
      "      url: http://127.0.0.1:" +
      std::to_string(port) + "\n");
  Channel& channel = *channels[0].channel;
  EXPECT_EQ(channel.refresh_interval(), std::chrono::seconds(30));
  Alert a = stack_alert();
  ASSERT_EQ(channel.send({&a}).outcome, SendResult::accepted);
  ASSERT_TRUE(testing::wait_until(has_alert));

  am->kill(SIGKILL);
  am = start("data2");
  std::string body;
  ASSERT_EQ(testing::http_get(port, "/api/v2/alerts", body), 200);
  EXPECT_EQ(body, "[]\n") << "Alertmanager forgot it";
  ASSERT_EQ(channel.refresh(now_ms()).outcome, SendResult::accepted);
  EXPECT_TRUE(testing::wait_until(has_alert)) << "back after one refresh";
  ASSERT_EQ(testing::http_get(port, "/api/v2/alerts", body), 200);
  EXPECT_NE(body.find("\"state\":\"active\""), std::string::npos) << body;

  // Past its endsAt (resolve_after, 5 minutes) it is no longer re-sent.
  auto& am_channel = dynamic_cast<AlertmanagerChannel&>(channel);
  EXPECT_EQ(am_channel.firing(), 1u);
  am->kill(SIGKILL);
  am = start("data3");
  ASSERT_EQ(channel.refresh(now_ms() + 6 * 60'000).outcome, SendResult::accepted);
  EXPECT_EQ(am_channel.firing(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(testing::http_get(port, "/api/v2/alerts", body), 200);
  EXPECT_EQ(body, "[]\n");
}

TEST(Secrets, AMissingSecretIsNamedButNeverShown) {
  unsetenv("KLAXON_TEST_UNSET");
  try {
    channels_from(
        "notify:\n  channels:\n    w:\n      type: wechat\n      url_env: KLAXON_TEST_UNSET\n");
    FAIL() << "no error";
  } catch (const klaxon::LoadError& e) {
    EXPECT_EQ(std::string(e.what()),
              "klaxon.yaml:4: notify.channels.w.url_env: environment variable KLAXON_TEST_UNSET "
              "is not set");
  }
}

}  // namespace
}  // namespace klaxon
