// `klaxon silence add|list|expire`: klaxon's own silences, written to the compacted topic
// <group>-silences that every pod of the group reads (app/silence_feed.h).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "app/engine.h"
#include "app/kafka_options.h"
#include "app/silence_feed.h"
#include "cli/commands.h"
#include "config/config.h"
#include "config/internal_topics.h"
#include "core/error.h"
#include "core/time.h"
#include "match/rules_loader.h"
#include "notify/alert_labels.h"
#include "notify/silence.h"
#include "source/producer.h"
#include "source/topic_admin.h"
#include "source/topic_reader.h"

namespace klaxon {

namespace {

constexpr std::chrono::milliseconds kKafkaTimeout{15000};

bool is_alert_label(const std::string& name) {
  for (const char* label : kAlertLabelNames)
    if (name == label) return true;
  return false;
}

std::string alert_label_list() {
  std::string out;
  for (const char* label : kAlertLabelNames) out += (out.empty() ? "" : ", ") + std::string(label);
  return out;
}

// A label with a closed set of values (severity, rule_type): a silence on any other value
// could never hold back an alert. Empty when the value can occur.
std::string impossible_value(const std::string& label, const std::string& value) {
  std::vector<std::string> values;
  if (label == "severity")
    for (std::string_view v : kSeverities) values.emplace_back(v);
  if (label == "rule_type")
    for (RuleType t : kAllRuleTypes) values.emplace_back(to_string(t));
  if (values.empty() || std::find(values.begin(), values.end(), value) != values.end()) return "";
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
  return "no alert has " + label + " \"" + value +
         "\", so this silence would never hold one back; " + label + " is one of " + list;
}

std::string new_silence_id() {
  std::random_device random;
  std::uniform_int_distribution<uint32_t> digit(0, 15);
  std::string id;
  for (int i = 0; i < 16; ++i) id += "0123456789abcdef"[digit(random)];
  return id;
}

std::string current_user() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return user;
  char host[256] = {};
  return gethostname(host, sizeof host - 1) == 0 ? std::string("someone@") + host : "unknown";
}

// The silences topic as it is now (not followed).
std::map<std::string, Silence> read_silences(const Config& config) {
  TopicReader reader(silences_reader_options(config, false));
  SilenceStore store;
  RecordBatch batch;
  while (reader.next(batch, 1000)) {
    std::string error;  // a record klaxon did not write: not a silence, skipped
    for (const Record& m : batch) apply_silence_record(store, m, error);
    batch.clear();
  }
  std::map<std::string, Silence> out;
  for (auto& s : store.all()) out[s.id] = std::move(s);
  return out;
}

// Creates the topic when the cluster allows it and it is missing; throws saying what to do.
void ensure_topic(const Config& config, KafkaProducer& producer) {
  std::string topic = silences_topic(config.kafka.group_id);
  if (topic_partition_counts(producer.handle(), kKafkaTimeout).count(topic)) return;
  std::string error;
  if (!create_topic(producer.handle(), topic, 1, static_cast<int>(config.state.topic_replication),
                    {{"cleanup.policy", "compact"}}, kKafkaTimeout, error))
    throw std::runtime_error("topic " + topic + " does not exist and was not created (" + error +
                             "); create it with 1 partition and cleanup.policy=compact");
}

void write_silence(const Config& config, const Silence& s) {
  KafkaProducer producer(producer_options(config));
  ensure_topic(config, producer);
  std::string error;
  bool acknowledged = false;
  std::string json = to_json(s);
  if (!producer.produce(
          silences_topic(config.kafka.group_id), s.id, json, {},
          [&](const RecordSink::Delivery& d) {
            acknowledged = d.ok;
            if (!d.ok) error = d.error;
          },
          &error))
    throw std::runtime_error(error);
  if (!producer.flush(kKafkaTimeout) || !acknowledged)
    throw std::runtime_error("Kafka did not acknowledge the silence" +
                             (error.empty() ? std::string() : ": " + error));
}

int add(const SilenceCommand& cmd, const Config& config) {
  Silence s;
  s.id = new_silence_id();
  s.rule = cmd.rule;
  std::vector<std::string> problems;
  for (const auto& text : cmd.matchers) {
    std::pair<std::string, std::string> m;
    std::string error;
    if (!parse_matcher(text, m, error))
      problems.push_back("--match " + error);
    else if (!is_alert_label(m.first))
      problems.push_back("--match " + text + ": no alert has a label \"" + m.first +
                         "\"; labels: " + alert_label_list());
    else if (std::string why = impossible_value(m.first, m.second); !why.empty())
      problems.push_back("--match " + text + ": " + why);
    else
      s.match.insert(m);
  }
  if (s.rule.empty() && s.match.empty())
    problems.push_back(
        "say what to silence: --rule and/or --match (a silence of everything "
        "needs --match with a label every alert has, e.g. service=...)");
  std::optional<std::chrono::milliseconds> duration = parse_duration(cmd.duration);
  if (!duration || duration->count() <= 0)
    problems.push_back("--for " + cmd.duration + ": not a duration (30m, 2h, 1d)");
  s.starts_ms = now_ms();
  if (!cmd.starts.empty()) {
    std::optional<int64_t> at = parse_timestamp_ms(cmd.starts);
    if (!at)
      problems.push_back("--starts " + cmd.starts + ": not a timestamp (2026-11-25T22:00:00Z)");
    else
      s.starts_ms = *at;
  }
  auto alertname = s.match.find("alertname");
  if (!s.rule.empty() || alertname != s.match.end()) {
    std::set<std::string> names;
    try {
      for (const auto& r : load_rules(config.rules.path).rules) names.insert(r.name);
    } catch (const LoadError& e) {
      throw with_rules_path_context(e, config);
    }
    if (!s.rule.empty() && !names.count(s.rule))
      problems.push_back("--rule " + s.rule + ": no such rule in " + config.rules.path);
    if (alertname != s.match.end() && !names.count(alertname->second))
      problems.push_back("--match alertname=" + alertname->second + ": no such rule in " +
                         config.rules.path + " (alertname is the rule's name)");
  }
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    return 2;
  }
  s.ends_ms = s.starts_ms + duration->count();
  s.created_by = cmd.author.empty() ? current_user() : cmd.author;
  s.comment = cmd.comment;
  write_silence(config, s);
  std::printf("%s\n", s.id.c_str());
  std::fprintf(stderr, "silence %s: %s\n", s.id.c_str(), describe(s).c_str());
  return 0;
}

int list(const SilenceCommand& cmd, const Config& config) {
  int64_t now = now_ms();
  std::map<std::string, Silence> silences = read_silences(config);
  if (cmd.json) {
    SilenceStore store;
    for (const auto& [id, s] : silences) {
      if (!cmd.all && s.state(now) == "expired") continue;
      std::string error;
      store.apply(id, to_json(s), error);
    }
    std::printf("%s\n", store.to_json(now).c_str());
    return 0;
  }
  size_t shown = 0;
  for (const auto& [id, s] : silences) {
    if (!cmd.all && s.state(now) == "expired") continue;
    std::printf("%s  %-8s %s\n", id.c_str(), std::string(s.state(now)).c_str(),
                describe(s).c_str());
    ++shown;
  }
  if (shown == 0) std::fprintf(stderr, "no %ssilences\n", cmd.all ? "" : "active or pending ");
  return 0;
}

int expire(const SilenceCommand& cmd, const Config& config) {
  std::map<std::string, Silence> silences = read_silences(config);
  auto it = silences.find(cmd.id);
  if (it == silences.end()) {
    std::fprintf(stderr, "no silence %s in %s\n", cmd.id.c_str(),
                 silences_topic(config.kafka.group_id).c_str());
    return 2;
  }
  Silence s = it->second;
  int64_t now = now_ms();
  if (s.state(now) == "expired") {
    std::fprintf(stderr, "silence %s already ended at %s\n", s.id.c_str(),
                 format_timestamp_ms(s.ends_ms).c_str());
    return 0;
  }
  // Kept, ended now: `silence list --all` still shows who silenced what and when.
  s.ends_ms = now;
  s.starts_ms = std::min(s.starts_ms, now);
  write_silence(config, s);
  std::fprintf(stderr, "silence %s expired: %s\n", s.id.c_str(), describe(s).c_str());
  return 0;
}

}  // namespace

int silence_command(const SilenceCommand& cmd) {
  Config config;
  try {
    config = load_config(cmd.config_file);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration:\n%s\n", e.what());
    return 2;
  }
  try {
    if (cmd.action == "add") return add(cmd, config);
    if (cmd.action == "list") return list(cmd, config);
    return expire(cmd, config);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid rules:\n%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "silence %s failed: %s\n", cmd.action.c_str(), e.what());
    return 1;
  }
}

}  // namespace klaxon
