// klaxon: a Kafka-native log alert engine. Subcommands: run, check, rules check|test,
// sink-es, dev-kafka, generate, demo, silence add|list|expire.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/logging.h"
#include "cli/signals.h"
#include "cli/version.h"

// Parser set-up throws only on a programming error (a duplicate option): then aborting is right.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace klaxon;
  ProcessSignals signals;  // first: every thread started later inherits the blocked signals
  // librdkafka allocates a buffer per fetch response, up to a megabyte per partition. With
  // glibc's default thresholds each is mmapped, or trimmed back to the OS, and faulted in
  // again on the next fetch: keeping them in the heap was worth 15% of end-to-end
  // throughput in bench/run, for at most 128 MB of freed heap held back.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);

  CLI::App app{"klaxon: Kafka-native log alert engine"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", version_text());
  // Options of a command are accepted after its subcommands too (`silence add -c F`), and
  // --log-level anywhere: subcommands made below inherit this.
  app.fallthrough();
  std::string log_level = "info";
  auto* log_level_option = app.add_option("--log-level", log_level,
                                          "trace, debug, info, warn, error (wins over log.level)")
                               ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  RunCommand run;
  auto* run_cmd = app.add_subcommand("run", "Consume, match, deduplicate and alert");
  run_cmd->add_option("-c,--config", run.config_file, "config file (YAML)")->required();
  run_cmd->add_option("--rules", run.rules_path, "rule file or directory (overrides rules.path)");
  run_cmd->add_option("--metrics-listen", run.metrics_listen,
                      "host:port for /metrics (overrides metrics.listen)");
  run_cmd->add_option("--from", run.from,
                      "where partitions without a committed offset (a new group) start: "
                      "earliest, latest, a time (2026-12-07T08:00:00Z) or a duration ago (6h)");

  SinkEsCommand sink_es;
  auto* sink_es_cmd = app.add_subcommand(
      "sink-es", "Bulk-load the log topics into Elasticsearch (own consumer group)");
  sink_es_cmd->add_option("-c,--config", sink_es.config_file, "config file (YAML)")->required();
  sink_es_cmd->add_option("--metrics-listen", sink_es.metrics_listen,
                          "host:port for /metrics (overrides metrics.listen)");

  CheckCommand check;
  auto* check_cmd = app.add_subcommand("check", "Validate a config and its rules, then exit");
  check_cmd->add_option("-c,--config", check.config_file, "config file (YAML)");
  check_cmd->add_option("--rules", check.rules_path, "rule file or directory");
  check_cmd->add_flag("--skip-host-checks", check.skip_host_checks,
                      "do not check this machine (a writable state.dir): for a config of another "
                      "machine or a container");

  auto* rules_cmd = app.add_subcommand("rules", "Work with rule files");
  rules_cmd->require_subcommand(1);
  RulesCheckCommand rules_check;
  auto* rules_check_cmd =
      rules_cmd->add_subcommand("check", "Validate and compile rule files (exit 2 on any error)");
  rules_check_cmd->add_option("paths", rules_check.paths, "rule files or directories")->required();
  RulesTestCommand rules_test;
  auto* rules_test_cmd = rules_cmd->add_subcommand(
      "test", "Backtest rules on recorded events: what would have fired, when, how often");
  rules_test_cmd->add_option("rules", rules_test.rules_path, "rule file or directory")->required();
  rules_test_cmd->add_option("-i,--input", rules_test.input,
                             "NDJSON (or plain lines) file, - for stdin");
  rules_test_cmd->add_flag("--plain", rules_test.plain,
                           "lines are plain log lines; their time is read from their start");
  rules_test_cmd->add_option("--from", rules_test.from, "skip events before this time");
  rules_test_cmd->add_option("--to", rules_test.to, "skip events after this time; time runs to it");
  rules_test_cmd->add_option("-t,--topic", rules_test.topic, "read this Kafka topic instead");
  rules_test_cmd->add_option("-b,--bootstrap-servers", rules_test.bootstrap_servers, "Kafka");
  rules_test_cmd->add_option("--from-offset", rules_test.from_offset, "per partition");
  rules_test_cmd->add_option("--from-time", rules_test.from_time, "first record at or after");
  rules_test_cmd->add_option("-c,--config", rules_test.config_file,
                             "engine config (Kafka properties, alert and state options)");
  rules_test_cmd->add_flag("--json", rules_test.json, "alerts as NDJSON documents");
  rules_test_cmd->add_option("--stack-lines", rules_test.stack_lines, "stack lines shown per alert")
      ->capture_default_str();
  rules_test_cmd->add_flag("--allow-empty", rules_test.allow_empty,
                           "exit 0 when the input held no event to test (default: exit 1)");
  bool no_progress = false;
  rules_test_cmd->add_flag("--no-progress", no_progress, "no progress bar on stderr");

  DevKafkaCommand dev;
  auto* dev_cmd = app.add_subcommand("dev-kafka", "Serve librdkafka's mock Kafka cluster");
  dev_cmd->add_option("--brokers", dev.brokers, "number of brokers")->capture_default_str();
  dev_cmd->add_option("--partitions", dev.partitions, "partitions per topic")
      ->capture_default_str();
  dev_cmd->add_option("--topic", dev.topic, "log topic")->capture_default_str();
  dev_cmd->add_option("--alerts-topic", dev.alerts_topic, "alerts topic")->capture_default_str();
  dev_cmd->add_option("--dead-letter-topic", dev.dead_letter_topic, "dead-letter topic")
      ->capture_default_str();
  dev_cmd->add_option("--bootstrap-file", dev.bootstrap_file, "also write bootstrap.servers here");
  dev_cmd
      ->add_option("--group", dev.groups,
                   "consumer groups (kafka.group_id) whose repartition and changelog topics to "
                   "create; repeatable")
      ->capture_default_str();

  GenerateCommand gen;
  auto* gen_cmd = app.add_subcommand("generate", "Produce realistic Logstash-JSON pay logs");
  gen_cmd->add_option("-b,--bootstrap-servers", gen.bootstrap_servers, "Kafka to produce to");
  gen_cmd->add_option("-t,--topic", gen.topic, "topic")->capture_default_str();
  gen_cmd->add_flag("--stdout", gen.to_stdout, "write NDJSON to stdout instead of Kafka");
  gen_cmd->add_option("-n,--count", gen.count, "events (0: until Ctrl-C)")->capture_default_str();
  gen_cmd->add_option("-r,--rate", gen.rate, "events per second (0: as fast as possible)")
      ->capture_default_str();
  gen_cmd->add_option("--error-ratio", gen.generator.error_ratio, "share of ERROR events")
      ->capture_default_str();
  gen_cmd
      ->add_option("--stack-ratio", gen.generator.stack_ratio,
                   "share of ERROR events with a stack trace")
      ->capture_default_str();
  gen_cmd->add_option("--invalid-ratio", gen.generator.invalid_ratio, "share of malformed events")
      ->capture_default_str();
  gen_cmd
      ->add_option("--trace-lines", gen.generator.trace_lines,
                   "lines kept of each stack trace, as logback's %ex{N} (0: all)")
      ->capture_default_str();
  gen_cmd->add_option("--hosts", gen.generator.hosts, "number of hosts")->capture_default_str();
  gen_cmd->add_option("--seed", gen.generator.seed, "random seed")->capture_default_str();
  gen_cmd->add_option("--stats-file", gen.stats_file, "write the totals as JSON here");

  DemoCommand demo;
  auto* demo_cmd = app.add_subcommand("demo", "Mock Kafka + generator + engine, alerts printed");
  demo_cmd->add_option("--rules", demo.rules_path, "rule file or directory")->capture_default_str();
  demo_cmd->add_option("--duration", demo.duration_seconds, "seconds")->capture_default_str();
  demo_cmd->add_flag("--keep-running", demo.keep_running, "run until Ctrl-C");
  demo_cmd->add_option("--burst", demo.burst, "events produced at full speed first")
      ->capture_default_str();
  demo_cmd->add_option("--rate", demo.rate, "then events per second")->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "generator seed")->capture_default_str();
  demo_cmd->add_option("--metrics-listen", demo.metrics_listen, "metrics address")
      ->capture_default_str();

  SilenceCommand silence;
  auto* silence_cmd = app.add_subcommand(
      "silence", "klaxon's own silences: hold back notifications of matching alerts");
  silence_cmd->require_subcommand(1);
  silence_cmd->add_option("-c,--config", silence.config_file, "config file (YAML)")->required();
  auto* silence_add = silence_cmd->add_subcommand("add", "Silence alerts; prints the new id");
  silence_add->add_option("--rule", silence.rule, "the rule's name");
  silence_add->add_option("--match", silence.matchers,
                          "label=value (alertname, severity, group, service, rule_type, host); "
                          "repeatable, all must match");
  silence_add->add_option("--for", silence.duration, "how long (30m, 2h, 1d)")
      ->capture_default_str();
  silence_add->add_option("--starts", silence.starts, "start time (default: now)");
  silence_add->add_option("--comment", silence.comment, "why");
  silence_add->add_option("--author", silence.author, "who (default: $USER)");
  auto* silence_list = silence_cmd->add_subcommand("list", "Active and pending silences");
  silence_list->add_flag("--all", silence.all, "expired ones too");
  silence_list->add_flag("--json", silence.json, "as a JSON array");
  auto* silence_expire = silence_cmd->add_subcommand("expire", "End a silence now");
  silence_expire->add_option("id", silence.id, "the silence's id")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error 2, as invalid input does.
    return app.exit(e) == 0 ? 0 : 2;
  }
  setup_logging(log_level);
  if (log_level_option->count() > 0) run.log_level = sink_es.log_level = log_level;
  try {
    if (*run_cmd) return run_command(run, signals);
    if (*sink_es_cmd) return sink_es_command(sink_es, signals);
    if (*check_cmd) return check_command(check);
    if (*rules_check_cmd) return rules_check_command(rules_check);
    if (*rules_test_cmd) {
      rules_test.progress = !no_progress;
      return rules_test_command(rules_test, signals);
    }
    if (*dev_cmd) return dev_kafka_command(dev, signals);
    if (*gen_cmd) return generate_command(gen, signals);
    if (*demo_cmd) return demo_command(demo, signals);
    if (*silence_cmd) {
      silence.action = *silence_add ? "add" : *silence_list ? "list" : "expire";
      return silence_command(silence);
    }
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
