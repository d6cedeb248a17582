// The `klaxon` subcommands. Each returns the process exit code:
// 0 success, 1 runtime failure, 2 invalid configuration or rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/signals.h"
#include "gen/generator.h"

namespace klaxon {

struct RunCommand {
  std::string config_file;
  std::string rules_path;      // overrides rules.path when set
  std::string metrics_listen;  // overrides metrics.listen when set
  // Where partitions with no committed offset start: earliest, latest, or a time.
  std::string from;
  std::optional<std::string> log_level;  // --log-level: wins over log.level
};
int run_command(const RunCommand& cmd, ProcessSignals& signals);

// `klaxon sink-es`: bulk-loads the log topics into Elasticsearch (its own consumer group).
struct SinkEsCommand {
  std::string config_file;
  std::string metrics_listen;            // overrides metrics.listen when set
  std::optional<std::string> log_level;  // --log-level: wins over log.level
};
int sink_es_command(const SinkEsCommand& cmd, ProcessSignals& signals);

struct CheckCommand {
  std::string config_file;
  std::string rules_path;
  // The config is for another machine or a container: do not check this one (state.dir).
  bool skip_host_checks = false;
};
int check_command(const CheckCommand& cmd);

struct DevKafkaCommand {
  int brokers = 3;
  int partitions = 3;
  int replication = 3;
  std::string topic = "pay_log_topic";
  std::string alerts_topic = "pay_alerts";
  std::string dead_letter_topic = "pay_log_dead_letter";
  std::string bootstrap_file;  // also write bootstrap.servers here
  // Consumer groups whose repartition and changelog topics to create (no Admin API here).
  std::vector<std::string> groups = {"klaxon"};
};
int dev_kafka_command(const DevKafkaCommand& cmd, ProcessSignals& signals);

struct GenerateCommand {
  std::string bootstrap_servers;
  std::string topic = "pay_log_topic";
  bool to_stdout = false;
  int64_t count = 10'000;
  double rate = 0;
  GeneratorOptions generator;
  std::string stats_file;  // the generator's totals as JSON, written at the end
};
int generate_command(const GenerateCommand& cmd, ProcessSignals& signals);

struct DemoCommand {
  std::string rules_path = "rules/pay.yaml";
  double duration_seconds = 30;
  bool keep_running = false;
  int64_t burst = 20'000;  // events produced as fast as possible first
  double rate = 500;       // then events per second
  uint64_t seed = 42;
  std::string metrics_listen = "127.0.0.1:9464";
};
int demo_command(const DemoCommand& cmd, ProcessSignals& signals);

// `klaxon silence add|list|expire`: klaxon's own silences (notify/silence.h).
struct SilenceCommand {
  std::string action;  // add | list | expire
  std::string config_file;
  // add
  std::string rule;
  std::vector<std::string> matchers;  // label=value
  std::string duration = "2h";
  std::string starts;  // a timestamp; default now
  std::string comment;
  std::string author;  // default $USER
  // list
  bool all = false;  // expired ones too
  bool json = false;
  // expire
  std::string id;
};
int silence_command(const SilenceCommand& cmd);

// `klaxon rules check`: validate and compile rule files; every problem on stderr.
struct RulesCheckCommand {
  std::vector<std::string> paths;  // files or directories
};
int rules_check_command(const RulesCheckCommand& cmd);

// `klaxon rules test`: backtest rule files against recorded events.
struct RulesTestCommand {
  std::string rules_path;
  std::string input;     // NDJSON (or plain lines) file, or "-" for stdin
  bool plain = false;    // each line is a plain log line, its time read from its start
  std::string from, to;  // event-time range (timestamps)
  std::string topic;     // read this Kafka topic instead of --input
  std::string bootstrap_servers;
  int64_t from_offset = -1;
  std::string from_time;
  std::string config_file;  // optional: kafka properties, alert and state options
  bool json = false;        // alerts as NDJSON documents (the summary goes to stderr)
  size_t stack_lines = 10;
  bool progress = true;
  bool allow_empty = false;  // exit 0 when no event was read (default: 1, nothing was tested)
};
int rules_test_command(const RulesTestCommand& cmd, ProcessSignals& signals);

}  // namespace klaxon
