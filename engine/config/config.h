// Config: the settings of `klaxon run`, loaded from one YAML file.
//
// Load = parse, validate (every problem with file:line and key), then the caller builds
// components from the plain structs below. Unknown and duplicate keys are errors.
// Each default is written next to its field and repeated in docs/configuration.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/es_config.h"
#include "config/notify_config.h"

namespace klaxon {

using std::chrono::milliseconds;

struct KafkaConfig {
  std::string bootstrap_servers = "localhost:9092";
  std::string group_id = "klaxon";
  std::vector<std::string> topics = {"pay_log_topic"};
  std::string alerts_topic = "pay_alerts";
  std::string dead_letter_topic = "pay_log_dead_letter";
  std::string auto_offset_reset = "earliest";  // where a new group starts: earliest | latest
  // `run --from TIME`: partitions with no committed offset skip records written to Kafka
  // before this (their Kafka timestamp); not a config key.
  std::optional<int64_t> first_start_from_ms;
  int64_t batch_size = 5000;           // records per processing batch at most
  milliseconds poll_timeout{100};      // wait for the first record of a batch
  milliseconds commit_interval{1000};  // how often stored offsets are committed
  milliseconds flush_timeout{30000};   // dead letters must be acked within this
  // A member silent this long is declared dead and its partitions move: with Kafka's 45 s
  // default, a crashed pod's errors would go unseen for most of a minute.
  milliseconds session_timeout{10000};
  // Any librdkafka property (SASL/SSL included); `${ENV}` in a value reads the environment.
  std::map<std::string, std::string> properties;
  std::map<std::string, int> property_lines;  // where each property is written (messages)
};

struct DecodeConfig {
  int64_t max_event_bytes = 1 << 20;  // larger records are dead-lettered as "oversized"
};

struct RulesConfig {
  // A rule file, or a directory of *.yaml / *.yml files. A relative path is resolved against
  // the config file's directory at load (as Prometheus resolves rule_files), so a config
  // means the same from any working directory.
  std::string path = "rules";
  // Where `path` came from, and the text as given there, for messages about it.
  enum class PathFrom { default_value, config_file, command_line };
  PathFrom path_from = PathFrom::default_value;
  std::string path_as_written = "rules";
  // --rules: relative to the working directory, as command-line paths are.
  void set_path_from_command_line(const std::string& p) {
    path = path_as_written = p;
    path_from = PathFrom::command_line;
  }
  bool reload = true;                       // pick up edited rule files while running
  milliseconds reload_debounce{300};        // reload once the files were quiet this long (<= 1m)
  milliseconds reload_poll_interval{2000};  // polling: time between looks (>= 100ms)
  std::string reload_mode = "auto";         // auto (inotify, else polling) | inotify | poll
};

struct StateConfig {
  std::string dir = "/var/lib/klaxon/state";
  // fsync each state commit, so the local store survives a machine crash. Unset: only
  // without a changelog. With one, every commit is acknowledged by Kafka before it is
  // written locally, and a store that lost its unsynced tail in a machine crash restores
  // that tail from the changelog from its checkpoint (as Kafka Streams does).
  std::optional<bool> sync;
  bool fsync() const { return sync.value_or(!changelog); }
  // How late (event time) a match may arrive and still count in its window; also how long
  // the wall clock waits behind real time before a quiet window is closed.
  milliseconds grace_period{30000};
  // Back each state partition with its changelog topic, so a partition that moves to
  // another pod takes its state along. Off: state stays on the pod that built it.
  bool changelog = true;
  // Create the repartition and changelog topics when missing (Admin API).
  bool create_topics = true;
  int64_t topic_replication = -1;  // for topics klaxon creates; -1: the broker's default
  // RocksDB block cache and memtables of all state partitions of the process together.
  int64_t memory_mb = 128;
};

struct AlertConfig {
  std::string kibana_url = "http://localhost:5601";
  std::string kibana_index_pattern = "logstash-*";
  int64_t stack_trace_lines = 50;
  int64_t max_request_ids = 10;  // request ids kept per group between alerts
  std::vector<std::string> request_id_keys = {"reqId", "requestId", "request_id", "traceId",
                                              "X-Request-ID"};
  bool log_alerts = true;  // also write each alert to the log, readably
  // An alert whose event time is further behind the wall clock than this (history read by
  // a first deployment, a long backlog) is decided, stored and written to the alerts topic
  // but not sent to channels; 0 sends every alert.
  milliseconds max_notify_age{3'600'000};
};

struct MetricsConfig {
  std::string listen = "0.0.0.0:9464";  // serves /metrics and /healthz; empty disables
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  milliseconds invalid_event_interval{
      10000};  // at most one invalid-event line per reason per interval
};

struct Config {
  std::string file;  // where it was loaded from; empty for the embedded defaults
  // Lines of keys that checks after loading name (e.g. "state.dir"); absent: not written.
  std::map<std::string, int> key_lines;
  int line_of(const std::string& key) const {
    auto it = key_lines.find(key);
    return it == key_lines.end() ? 0 : it->second;
  }
  KafkaConfig kafka;
  DecodeConfig decode;
  RulesConfig rules;
  StateConfig state;
  AlertConfig alert;
  NotifyConfig notify;
  EsConfig elasticsearch;  // `klaxon sink-es` only
  MetricsConfig metrics;
  LogConfig log;
};

// Loads and validates a config file. Throws LoadError listing every problem.
Config load_config(const std::string& file);
// Same, from text (file names the origin in error messages).
Config parse_config(const std::string& text, const std::string& file);

// What is wrong with a kafka.bootstrap_servers value ("host:port,host:port", optionally
// "PROTOCOL://host:port"); empty when it is well formed.
std::string bootstrap_servers_problem(std::string_view servers);
// The same for metrics.listen ("host:port", port 0 for any; empty: no endpoint).
std::string listen_address_problem(std::string_view listen);

// Where the rules come from, for messages about a missing path: "rules.path 'rules' of
// /etc/klaxon/klaxon.yaml is resolved against the config file's directory:
// /etc/klaxon/rules; working directory /root"; or the path alone when the command line
// gave it.
std::string describe_rules_path(const Config& config);

// Reads a whole file; throws LoadError naming it when it cannot be read.
std::string read_text_file(const std::string& file);

// Replaces ${NAME} with the environment variable NAME; throws LoadError if it is unset.
std::string expand_env(const std::string& value, const std::string& file, const std::string& key);

}  // namespace klaxon
