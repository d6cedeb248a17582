#include "config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/error.h"

namespace klaxon {
namespace {

std::string problems_of(const std::string& yaml) {
  try {
    parse_config(yaml, "klaxon.yaml");
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, EmptyFileGivesDefaults) {
  Config c = parse_config("", "klaxon.yaml");
  EXPECT_EQ(c.kafka.group_id, "klaxon");
  EXPECT_EQ(c.kafka.topics, std::vector<std::string>{"pay_log_topic"});
  EXPECT_EQ(c.kafka.alerts_topic, "pay_alerts");
  EXPECT_EQ(c.alert.stack_trace_lines, 50);
}

TEST(Config, ReadsEverySection) {
  Config c = parse_config(R"(
kafka:
  bootstrap_servers: b1:9092,b2:9092
  group_id: g
  topics: [a, b]
  batch_size: 100
  commit_interval: 2s
  session_timeout: 15s
  properties:
    security.protocol: SASL_SSL
    sasl.mechanism: PLAIN
state: {dir: /tmp/x, sync: false}
alert: {kibana_url: "http://k:5601", stack_trace_lines: 20}
metrics: {listen: "127.0.0.1:0"}
log: {level: debug}
)",
                          "klaxon.yaml");
  EXPECT_EQ(c.kafka.bootstrap_servers, "b1:9092,b2:9092");
  EXPECT_EQ(c.kafka.topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.kafka.batch_size, 100);
  EXPECT_EQ(c.kafka.commit_interval.count(), 2000);
  EXPECT_EQ(c.kafka.session_timeout.count(), 15000);
  EXPECT_EQ(c.kafka.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_FALSE(c.state.fsync());
  EXPECT_EQ(c.alert.stack_trace_lines, 20);
  EXPECT_EQ(c.log.level, "debug");
}

// The changelog, acknowledged before each local commit, restores what an unsynced store
// loses in a machine crash; without it, only an fsync keeps that state.
TEST(Config, StateIsFsyncedWhenNoChangelogCoversIt) {
  EXPECT_FALSE(parse_config("", "k.yaml").state.fsync());
  EXPECT_TRUE(parse_config("state: {changelog: false}\n", "k.yaml").state.fsync());
  EXPECT_TRUE(parse_config("state: {sync: true}\n", "k.yaml").state.fsync());
  EXPECT_FALSE(parse_config("state: {changelog: false, sync: false}\n", "k.yaml").state.fsync());
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  std::string e = problems_of("kafka:\n  group_id: g\n  gruop: x\n");
  EXPECT_NE(e.find("klaxon.yaml:3:3: kafka.gruop: unknown key"), std::string::npos) << e;
}

TEST(Config, DuplicateKeyIsRejected) {
  std::string e = problems_of("kafka:\n  group_id: a\n  group_id: b\n");
  EXPECT_NE(e.find("klaxon.yaml:3:3: kafka.group_id: duplicate key"), std::string::npos) << e;
}

TEST(Config, ReportsAllProblemsAtOnce) {
  std::string e = problems_of(
      "kafka:\n  batch_size: -1\n  commit_interval: soon\n  session_timeout: 10ms\n"
      "log:\n  level: loud\n");
  EXPECT_NE(e.find(":2:15: kafka.batch_size: must be between"), std::string::npos) << e;
  EXPECT_NE(e.find(":3:20: kafka.commit_interval: must be a duration"), std::string::npos) << e;
  EXPECT_NE(e.find(":4:20: kafka.session_timeout: must be at least 1s"), std::string::npos) << e;
  EXPECT_NE(e.find(":6:10: log.level:"), std::string::npos) << e;
}

TEST(Config, SyntaxErrorNamesLine) {
  std::string e = problems_of("kafka:\n  topics: [a, b\n");
  EXPECT_NE(e.find("klaxon.yaml:"), std::string::npos);
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
}

TEST(Config, PropertiesExpandEnvironmentSecrets) {
  setenv("KLAXON_TEST_SASL_PASSWORD", "s3cret", 1);
  Config c = parse_config(
      "kafka:\n  properties:\n    sasl.password: ${KLAXON_TEST_SASL_PASSWORD}\n", "klaxon.yaml");
  EXPECT_EQ(c.kafka.properties.at("sasl.password"), "s3cret");
  std::string e = problems_of("kafka:\n  properties:\n    sasl.password: ${KLAXON_NO_SUCH_VAR}\n");
  EXPECT_NE(e.find("KLAXON_NO_SUCH_VAR is not set"), std::string::npos) << e;
  EXPECT_EQ(e.find("s3cret"), std::string::npos);
}

TEST(Config, RulesReloadDefaults) {
  Config c = parse_config("rules: {path: /etc/klaxon/rules}\n", "klaxon.yaml");
  EXPECT_EQ(c.rules.path, "/etc/klaxon/rules");
  EXPECT_TRUE(c.rules.reload);
  EXPECT_EQ(c.rules.reload_debounce.count(), 300);
  EXPECT_EQ(c.rules.reload_poll_interval.count(), 2000);
  EXPECT_EQ(c.rules.reload_mode, "auto");
}

// As Prometheus resolves rule_files: a relative rules.path is the config file's directory's,
// whatever the working directory; an absolute one is kept; the text as written stays.
TEST(Config, ARelativeRulesPathResolvesAgainstTheConfigFilesDirectory) {
  Config c = parse_config("rules: {path: rules}\n", "/etc/klaxon/klaxon.yaml");
  EXPECT_EQ(c.rules.path, "/etc/klaxon/rules");
  EXPECT_EQ(c.rules.path_as_written, "rules");
  EXPECT_EQ(parse_config("rules: {path: ../shared/rules}\n", "/etc/klaxon/k.yaml").rules.path,
            "/etc/klaxon/../shared/rules");
  EXPECT_EQ(parse_config("rules: {path: /srv/rules}\n", "/etc/klaxon/k.yaml").rules.path,
            "/srv/rules");
  EXPECT_EQ(parse_config("", "/etc/klaxon/k.yaml").rules.path, "/etc/klaxon/rules")
      << "the default too";
  EXPECT_EQ(parse_config("rules: {path: rules}\n", "k.yaml").rules.path, "rules")
      << "a config in the working directory";
  std::string text = describe_rules_path(parse_config("rules: {path: rules}\n", "/etc/k.yaml"));
  EXPECT_EQ(text.rfind("rules.path 'rules' of /etc/k.yaml is resolved against the config file's "
                       "directory: /etc/rules; working directory ",
                       0),
            0u)
      << text;
  text = describe_rules_path(parse_config("", "/etc/k.yaml"));
  EXPECT_EQ(text.rfind("the default rules.path 'rules' (/etc/k.yaml does not set it) is resolved "
                       "against the config file's directory: /etc/rules; ",
                       0),
            0u)
      << text;
  text = describe_rules_path(Config{});
  EXPECT_EQ(text.rfind("the default rules.path 'rules', as no --config was given; ", 0), 0u)
      << text;
  Config cli;
  cli.rules.set_path_from_command_line("my-rules");
  EXPECT_EQ(describe_rules_path(cli).rfind("--rules my-rules; working directory ", 0), 0u);
}

// What librdkafka's broker list and civetweb's listening ports accept passes; what they
// would refuse (or misread) is named at load.
TEST(Config, BootstrapServersAndListenAddressesAreCheckedAsTheirLibrariesReadThem) {
  for (const char* ok : {"localhost:9092", "b1:9092,b2:9092", "b1:9092, b2:9092", "b1:9092,",
                         "kafka", "SASL_SSL://broker.example.com:9093", "[::1]:9092", "[::1]",
                         "kafka_1.internal:9092", "10.0.0.1:9092,10.0.0.2"})
    EXPECT_EQ(bootstrap_servers_problem(ok), "") << ok;
  for (const char* bad : {"", ",", "broker one:9092", "b:99999", "b:0", "b:", ":9092", "::1:9092",
                          "b:port", "[::1:9092", "http://b:9092/path"})
    EXPECT_NE(bootstrap_servers_problem(bad), "") << bad;
  for (const char* ok : {"", "9464", "0.0.0.0:9464", "127.0.0.1:0", "[::]:9464", "+9464", "9464s",
                         "127.0.0.1:9464,[::1]:9465"})
    EXPECT_EQ(listen_address_problem(ok), "") << ok;
  for (const char* bad : {"nowhere", "host:", "127.0.0.1:70000", "127.0.0.1:http", ":"})
    EXPECT_NE(listen_address_problem(bad), "") << bad;
}

TEST(Config, ReadsRulesReloadKeys) {
  Config c = parse_config(R"(
rules:
  path: rules
  reload: false
  reload_debounce: 1s
  reload_poll_interval: 10s
  reload_mode: poll
)",
                          "klaxon.yaml");
  EXPECT_FALSE(c.rules.reload);
  EXPECT_EQ(c.rules.reload_debounce.count(), 1000);
  EXPECT_EQ(c.rules.reload_poll_interval.count(), 10000);
  EXPECT_EQ(c.rules.reload_mode, "poll");
  EXPECT_EQ(parse_config("rules: {reload_mode: inotify}\n", "k.yaml").rules.reload_mode, "inotify");
  EXPECT_EQ(parse_config("rules: {reload_debounce: 0ms}\n", "k.yaml").rules.reload_debounce,
            milliseconds(0));
}

TEST(Config, RulesReloadKeysAreValidated) {
  std::string e = problems_of(
      "rules:\n  reload: maybe\n  reload_debounce: 2m\n  reload_poll_interval: 50ms\n"
      "  reload_mode: fanotify\n");
  EXPECT_NE(e.find(":2:11: rules.reload: must be"), std::string::npos) << e;
  EXPECT_NE(e.find(":3:20: rules.reload_debounce: must be at most 1m"), std::string::npos) << e;
  EXPECT_NE(e.find(":4:25: rules.reload_poll_interval: must be at least 100ms"), std::string::npos)
      << e;
  EXPECT_NE(e.find(":5:16: rules.reload_mode: must be auto, inotify or poll"), std::string::npos)
      << e;
  e = problems_of("rules:\n  path: rules\n  reload_delay: 1s\n");
  EXPECT_NE(e.find(":3: rules.reload_delay: unknown key"), std::string::npos) << e;
  e = problems_of("rules:\n  reload_debounce: soon\n");
  EXPECT_NE(e.find(":2:20: rules.reload_debounce: must be a duration"), std::string::npos) << e;
}

TEST(Config, ReadsNotifyChannels) {
  Config c = parse_config(
      "notify:\n  default_channels: [am]\n  give_up_after: 2h\n  channels:\n"
      "    am:\n      type: alertmanager\n      url: http://am:9093\n"
      "    mail:\n      type: email\n      url: smtps://smtp.example:465\n      from: k@x\n"
      "      to: oncall@x\n      username: k\n      password_file: /run/secrets/smtp\n"
      "      rate_limit: {count: 5, per: 1m}\n      templates:\n        subject: 'x {{rule}}'\n",
      "klaxon.yaml");
  ASSERT_EQ(c.notify.channels.size(), 2u);
  EXPECT_EQ(c.notify.default_channels, std::vector<std::string>{"am"});
  EXPECT_EQ(c.notify.give_up_after, std::chrono::hours(2));
  const ChannelConfig& mail = c.notify.channels[1];
  EXPECT_EQ(mail.type, "email");
  EXPECT_EQ(mail.to, std::vector<std::string>{"oncall@x"});
  EXPECT_EQ(mail.password.file, "/run/secrets/smtp");
  EXPECT_TRUE(mail.rate_limit_set);
  EXPECT_EQ(mail.rate_limit.count, 5);
  EXPECT_EQ(mail.templates.at("subject"), "x {{rule}}");
  EXPECT_EQ(mail.template_lines.at("subject"), 17);
}

TEST(Config, NotifyMistakesNameTheKey) {
  std::string e = problems_of(
      "notify:\n  default_channels: [pager]\n  channels:\n"
      "    hook:\n      type: webhok\n      url: http://x\n"
      "    chat:\n      type: wechat\n      url: ftp://x\n      from: a@b\n"
      "    mail:\n      type: email\n      url: smtp://x\n      to: [a@b]\n"
      "      templates: {markdown: x}\n");
  EXPECT_NE(e.find("klaxon.yaml:5:13: notify.channels.hook.type: 'webhok' is not a channel type"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("notify.channels.chat.url: must start with http:// or https://"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("notify.channels.chat.from: applies only to email channels"), std::string::npos)
      << e;
  EXPECT_NE(e.find("notify.channels.mail.from: is required for email"), std::string::npos) << e;
  EXPECT_NE(e.find("notify.channels.mail.templates.markdown: email channels have no template "
                   "'markdown' (they have: html, subject, text)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("notify.default_channels: 'pager' is not a channel under notify.channels"),
            std::string::npos)
      << e;
}

TEST(Config, ResendIntervalAndMaxNotifyAge) {
  Config d = parse_config("", "klaxon.yaml");
  EXPECT_EQ(d.notify.resend_interval, std::chrono::minutes(1));
  EXPECT_EQ(d.alert.max_notify_age, std::chrono::hours(1));
  Config c =
      parse_config("alert:\n  max_notify_age: 0s\nnotify:\n  resend_interval: 0s\n", "klaxon.yaml");
  EXPECT_EQ(c.alert.max_notify_age.count(), 0);
  EXPECT_EQ(c.notify.resend_interval.count(), 0);
  // Alerts would resolve before they were sent again: nothing would be re-sent.
  std::string e = problems_of(
      "notify:\n  resolve_after: 2m\n  resend_interval: 5m\n  channels:\n    am:\n"
      "      type: alertmanager\n      url: http://am:9093\n");
  EXPECT_NE(e.find("klaxon.yaml:3:20: notify.resend_interval: must be shorter than "
                   "notify.resolve_after (2m)"),
            std::string::npos)
      << e;
  // Without an Alertmanager channel nothing is re-sent: no constraint.
  EXPECT_EQ(problems_of("notify:\n  resolve_after: 1m\n"), "");
  // librdkafka's own auto.offset.reset would also move klaxon's internal topics.
  e = problems_of("kafka:\n  properties:\n    auto.offset.reset: latest\n");
  EXPECT_NE(e.find("kafka.properties.auto.offset.reset: set kafka.auto_offset_reset instead"),
            std::string::npos)
      << e;
  // A hung produce request must be retried before a batch stops waiting for it.
  e = problems_of("kafka:\n  flush_timeout: 20s\n  properties:\n    socket.timeout.ms: 30000\n");
  EXPECT_NE(e.find("klaxon.yaml:4:24: kafka.properties.socket.timeout.ms: must be shorter than "
                   "kafka.flush_timeout (20000 ms)"),
            std::string::npos)
      << e;
  e = problems_of("kafka:\n  properties:\n    socket.timeout.ms: soon\n");
  EXPECT_NE(e.find("kafka.properties.socket.timeout.ms: must be a number of milliseconds, not "
                   "'soon'"),
            std::string::npos)
      << e;
  EXPECT_EQ(problems_of("kafka:\n  properties:\n    socket.timeout.ms: 5000\n"), "");
}

TEST(Config, ElasticsearchSectionDefaultsAndValues) {
  Config d = parse_config("", "klaxon.yaml");
  EXPECT_EQ(d.elasticsearch.group_id, "klaxon-es-sink");
  EXPECT_EQ(d.elasticsearch.index, "logstash-%{type}-%Y.%m.%d");
  EXPECT_TRUE(d.elasticsearch.install_template);
  EXPECT_TRUE(d.elasticsearch.tls_verify);

  Config c = parse_config(R"(
elasticsearch:
  urls: [https://es-1:9200/, https://es-2:9200]
  group_id: es-loader
  index: "app-%{host}-%Y.%m"
  bulk_max_docs: 1000
  linger: 50ms
  max_in_flight: 8
  gzip: true
  username: elastic
  password_env: ES_PASSWORD
  ca_file: /etc/ca.pem
)",
                          "klaxon.yaml");
  const EsConfig& es = c.elasticsearch;
  EXPECT_EQ(es.urls, (std::vector<std::string>{"https://es-1:9200", "https://es-2:9200"}));
  EXPECT_EQ(es.group_id, "es-loader");
  EXPECT_EQ(es.index, "app-%{host}-%Y.%m");
  EXPECT_EQ(es.bulk_max_docs, 1000);
  EXPECT_EQ(es.linger, std::chrono::milliseconds(50));
  EXPECT_EQ(es.max_in_flight, 8);
  EXPECT_TRUE(es.gzip);
  EXPECT_EQ(es.password.env, "ES_PASSWORD");
  EXPECT_EQ(es.ca_file, "/etc/ca.pem");
}

TEST(Config, ElasticsearchMistakesNamedWithLineAndKey) {
  std::string e = problems_of(R"(
elasticsearch:
  urls: [es:9200]
  index: "Logstash-%{type}-%F"
  max_in_flight: 0
  username: elastic
  api_key_env: ES_KEY
  retry_initial: 1s
  retry_max: 100ms
)");
  EXPECT_NE(e.find("klaxon.yaml:3:9: elasticsearch.urls: 'es:9200' must start with http:// or "
                   "https://"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("klaxon.yaml:4:10: elasticsearch.index: 'L' is not allowed in an index name"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("elasticsearch.max_in_flight"), std::string::npos) << e;
  EXPECT_NE(e.find("elasticsearch.username: needs password_env or password_file"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("elasticsearch.retry_max: must be at least retry_initial"), std::string::npos)
      << e;
  EXPECT_NE(problems_of("elasticsearch:\n  bulk_size: 10\n")
                .find("klaxon.yaml:2:3: elasticsearch.bulk_size: unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace klaxon
