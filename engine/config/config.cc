#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/es_config_parse.h"
#include "config/notify_config_parse.h"
#include "config/yaml_reader.h"

namespace klaxon {

std::string expand_env(const std::string& value, const std::string& file, const std::string& key) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t start = value.find("${", i);
    if (start == std::string::npos) break;
    size_t end = value.find('}', start);
    if (end == std::string::npos) break;
    out.append(value, i, start - i);
    std::string name = value.substr(start + 2, end - start - 2);
    const char* v = std::getenv(name.c_str());
    if (v == nullptr)
      throw LoadError({Problem{file, 0, key, "environment variable " + name + " is not set"}});
    out += v;
    i = end + 1;
  }
  out.append(value, i);
  return out;
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Config resolve_paths(Config c) {
  c.rules.path_as_written = c.rules.path;
  std::filesystem::path rules(c.rules.path);
  if (rules.is_relative())
    c.rules.path = (std::filesystem::path(c.file).parent_path() / rules).string();
  return c;
}

}  // namespace

std::string read_text_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LoadError({Problem{file, 0, "", "cannot open file"}});
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Config parse_config(const std::string& text, const std::string& file) {
  YAML::Node root = load_yaml_text(text, file);
  Config c;
  c.file = file;
  if (root.IsNull()) return resolve_paths(std::move(c));
  YamlReader r(file);
  if (!r.check_map(root, "",
                   {"kafka", "decode", "rules", "state", "alert", "notify", "elasticsearch",
                    "metrics", "log"}))
    r.throw_if_problems();

  if (YAML::Node k = root["kafka"]; k.IsDefined()) {
    if (r.check_map(k, "kafka",
                    {"bootstrap_servers", "group_id", "topics", "alerts_topic", "dead_letter_topic",
                     "auto_offset_reset", "batch_size", "poll_timeout", "commit_interval",
                     "flush_timeout", "session_timeout", "properties"})) {
      auto& kc = c.kafka;
      r.get(k, "bootstrap_servers", "kafka", kc.bootstrap_servers);
      r.get(k, "group_id", "kafka", kc.group_id);
      r.get(k, "topics", "kafka", kc.topics);
      r.get(k, "alerts_topic", "kafka", kc.alerts_topic);
      r.get(k, "dead_letter_topic", "kafka", kc.dead_letter_topic);
      r.get(k, "auto_offset_reset", "kafka", kc.auto_offset_reset);
      r.get(k, "batch_size", "kafka", kc.batch_size, 1, 1'000'000);
      r.get(k, "poll_timeout", "kafka", kc.poll_timeout);
      r.get(k, "commit_interval", "kafka", kc.commit_interval);
      r.get(k, "flush_timeout", "kafka", kc.flush_timeout);
      r.get(k, "session_timeout", "kafka", kc.session_timeout);
      if (kc.session_timeout < milliseconds(1000))
        r.problem(k["session_timeout"], "kafka.session_timeout", "must be at least 1s");
      if (r.get(k, "properties", "kafka", kc.properties) && k["properties"].IsMap())
        for (const auto& kv : k["properties"]) {
          kc.property_lines[kv.first.Scalar()] = YamlReader::line_of(kv.first);
          // It would also apply to klaxon's internal topics, whose never-committed
          // partitions must be read from their start.
          if (kv.first.Scalar() == "auto.offset.reset")
            r.problem(kv.first, "kafka.properties.auto.offset.reset",
                      "set kafka.auto_offset_reset instead (it applies to the input topics only)");
          // A hung request is retried only after it; a batch waits at most flush_timeout.
          if (kv.first.Scalar() == "socket.timeout.ms") {
            const std::string& v = kc.properties["socket.timeout.ms"];
            char* end = nullptr;
            long long ms = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || ms <= 0)
              r.problem(kv.second, "kafka.properties.socket.timeout.ms",
                        "must be a number of milliseconds, not '" + v + "'");
            else if (ms >= kc.flush_timeout.count())
              r.problem(kv.second, "kafka.properties.socket.timeout.ms",
                        "must be shorter than kafka.flush_timeout (" +
                            std::to_string(kc.flush_timeout.count()) +
                            " ms): a request that hangs is retried on a new connection only "
                            "after it, and a batch waits at most flush_timeout for its "
                            "acknowledgements");
          }
        }
      if (std::string why = bootstrap_servers_problem(kc.bootstrap_servers); !why.empty())
        r.problem(k["bootstrap_servers"], "kafka.bootstrap_servers", why);
      if (kc.auto_offset_reset != "earliest" && kc.auto_offset_reset != "latest")
        r.problem(k["auto_offset_reset"], "kafka.auto_offset_reset", "must be earliest or latest");
      if (kc.topics.empty()) r.problem(k["topics"], "kafka.topics", "must name at least one topic");
      if (kc.group_id.empty()) r.problem(k["group_id"], "kafka.group_id", "must not be empty");
      if (kc.alerts_topic.empty())
        r.problem(k["alerts_topic"], "kafka.alerts_topic", "must not be empty");
      if (kc.dead_letter_topic.empty())
        r.problem(k["dead_letter_topic"], "kafka.dead_letter_topic", "must not be empty");
    }
  }
  if (YAML::Node d = root["decode"]; d.IsDefined()) {
    if (r.check_map(d, "decode", {"max_event_bytes"}))
      r.get(d, "max_event_bytes", "decode", c.decode.max_event_bytes, 64, 64 << 20);
  }
  if (YAML::Node n = root["rules"]; n.IsDefined()) {
    if (r.check_map(n, "rules",
                    {"path", "reload", "reload_debounce", "reload_poll_interval", "reload_mode"})) {
      auto& rc = c.rules;
      if (r.get(n, "path", "rules", rc.path) && n["path"].IsDefined())
        rc.path_from = RulesConfig::PathFrom::config_file;
      r.get(n, "reload", "rules", rc.reload);
      if (r.get(n, "reload_debounce", "rules", rc.reload_debounce) &&
          rc.reload_debounce > milliseconds(60'000))
        r.problem(n["reload_debounce"], "rules.reload_debounce", "must be at most 1m");
      if (r.get(n, "reload_poll_interval", "rules", rc.reload_poll_interval) &&
          rc.reload_poll_interval < milliseconds(100))
        r.problem(n["reload_poll_interval"], "rules.reload_poll_interval",
                  "must be at least 100ms (each look reads every rule file)");
      if (r.get(n, "reload_mode", "rules", rc.reload_mode) && rc.reload_mode != "auto" &&
          rc.reload_mode != "inotify" && rc.reload_mode != "poll")
        r.problem(n["reload_mode"], "rules.reload_mode", "must be auto, inotify or poll");
    }
  }
  if (YAML::Node s = root["state"]; s.IsDefined()) {
    if (r.check_map(s, "state",
                    {"dir", "sync", "grace_period", "changelog", "create_topics",
                     "topic_replication", "memory_mb"})) {
      if (r.get(s, "dir", "state", c.state.dir) && s["dir"].IsDefined())
        c.key_lines["state.dir"] = YamlReader::line_of(s["dir"]);
      if (YAML::Node n = s["sync"]; n.IsDefined() && !n.IsNull()) {  // unset: see fsync()
        bool sync = true;
        if (r.get(s, "sync", "state", sync)) c.state.sync = sync;
      }
      r.get(s, "grace_period", "state", c.state.grace_period);
      r.get(s, "changelog", "state", c.state.changelog);
      r.get(s, "create_topics", "state", c.state.create_topics);
      if (r.get(s, "topic_replication", "state", c.state.topic_replication, -1, 100) &&
          c.state.topic_replication == 0)
        r.problem(s["topic_replication"], "state.topic_replication",
                  "must be -1 (the broker's default) or at least 1");
      r.get(s, "memory_mb", "state", c.state.memory_mb, 16, 1 << 20);
    }
  }
  if (YAML::Node a = root["alert"]; a.IsDefined()) {
    if (r.check_map(a, "alert",
                    {"kibana_url", "kibana_index_pattern", "stack_trace_lines", "max_request_ids",
                     "request_id_keys", "log_alerts", "max_notify_age"})) {
      r.get(a, "kibana_url", "alert", c.alert.kibana_url);
      r.get(a, "kibana_index_pattern", "alert", c.alert.kibana_index_pattern);
      r.get(a, "stack_trace_lines", "alert", c.alert.stack_trace_lines, 1, 10'000);
      r.get(a, "max_request_ids", "alert", c.alert.max_request_ids, 0, 1000);
      r.get(a, "request_id_keys", "alert", c.alert.request_id_keys);
      r.get(a, "log_alerts", "alert", c.alert.log_alerts);
      r.get(a, "max_notify_age", "alert", c.alert.max_notify_age);
    }
  }
  if (YAML::Node n = root["notify"]; n.IsDefined()) parse_notify(r, n, c.notify);
  if (YAML::Node e = root["elasticsearch"]; e.IsDefined())
    parse_elasticsearch(r, e, c.elasticsearch);
  if (YAML::Node m = root["metrics"]; m.IsDefined()) {
    if (r.check_map(m, "metrics", {"listen"}) && r.get(m, "listen", "metrics", c.metrics.listen))
      if (std::string why = listen_address_problem(c.metrics.listen); !why.empty())
        r.problem(m["listen"], "metrics.listen", why);
  }
  if (YAML::Node l = root["log"]; l.IsDefined()) {
    if (r.check_map(l, "log", {"level", "invalid_event_interval"})) {
      r.get(l, "level", "log", c.log.level);
      r.get(l, "invalid_event_interval", "log", c.log.invalid_event_interval);
      static const char* levels[] = {"trace", "debug", "info", "warn", "error"};
      bool known = false;
      for (auto lv : levels) known = known || c.log.level == lv;
      if (!known) r.problem(l["level"], "log.level", "must be trace, debug, info, warn or error");
    }
  }
  r.throw_if_problems();
  for (auto& [key, value] : c.kafka.properties)
    value = expand_env(value, file, "kafka.properties." + key);
  return resolve_paths(std::move(c));
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "host", "host:port", "[v6]", "[v6]:port", optionally "PROTOCOL://" first: what librdkafka's
// broker list takes. Empty when well formed.
std::string broker_problem(std::string_view entry) {
  std::string text(entry);
  if (size_t scheme = entry.find("://"); scheme != std::string_view::npos)
    entry = entry.substr(scheme + 3);
  if (entry.empty() || entry.find_first_of(" \t/") != std::string_view::npos)
    return "'" + text + "' is not host:port";
  std::string_view port;
  if (entry.front() == '[') {
    size_t close = entry.find(']');
    if (close == std::string_view::npos) return "'" + text + "': an IPv6 address needs its ']'";
    if (close + 1 < entry.size()) {
      if (entry[close + 1] != ':') return "'" + text + "' is not [address]:port";
      port = entry.substr(close + 2);
    }
  } else {
    size_t colon = entry.find(':');
    if (colon != entry.rfind(':'))
      return "'" + text + "': an IPv6 address is written in brackets, [::1]:9092";
    if (colon == 0) return "'" + text + "' has no host";
    if (colon != std::string_view::npos) port = entry.substr(colon + 1);
  }
  if (entry.back() == ':' ||
      (!port.empty() && (!all_digits(port) || std::stoi(std::string(port)) < 1 ||
                         std::stoi(std::string(port)) > 65535)))
    return "'" + text + "': the port must be a number from 1 to 65535";
  return "";
}

}  // namespace

std::string bootstrap_servers_problem(std::string_view servers) {
  // Entries are separated by commas (librdkafka also skips blanks around them, and empty
  // entries, as a trailing comma leaves).
  size_t entries = 0;
  size_t start = 0;
  for (;;) {
    size_t comma = servers.find(',', start);
    std::string_view entry = trim(servers.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!entry.empty()) {
      ++entries;
      if (std::string why = broker_problem(entry); !why.empty()) return why;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (entries == 0) return "must name at least one broker (host:port, comma-separated)";
  return "";
}

std::string listen_address_problem(std::string_view listen) {
  if (listen.empty()) return "";  // no endpoint
  // civetweb's listening_ports: comma-separated "port", "host:port", "[v6]:port", "+port"
  // (IPv4 and IPv6), each port optionally followed by s (TLS) or r (redirect).
  size_t start = 0;
  for (;;) {
    size_t comma = listen.find(',', start);
    std::string_view entry = trim(listen.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    std::string text(entry);
    if (!entry.empty() && entry.front() == '+') entry.remove_prefix(1);
    size_t colon = entry.rfind(':');
    if (colon != std::string_view::npos && entry.front() == '[' && entry.rfind(']') != colon - 1)
      colon = std::string_view::npos;
    std::string_view port = colon == std::string_view::npos ? entry : entry.substr(colon + 1);
    if (!port.empty() && (port.back() == 's' || port.back() == 'r')) port.remove_suffix(1);
    if (!all_digits(port) || std::stoi(std::string(port)) > 65535)
      return "'" + text + "' is not [host:]port (e.g. 0.0.0.0:9464 or 9464; port 0: any free)";
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return "";
}

std::string describe_rules_path(const Config& config) {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  const RulesConfig& r = config.rules;
  std::string where = "; working directory " + cwd;
  if (r.path_from == RulesConfig::PathFrom::command_line) return "--rules " + r.path + where;
  if (config.file.empty())
    return "the default rules.path '" + r.path_as_written + "', as no --config was given" + where;
  std::string text = r.path_from == RulesConfig::PathFrom::config_file
                         ? "rules.path '" + r.path_as_written + "' of " + config.file
                         : "the default rules.path '" + r.path_as_written + "' (" + config.file +
                               " does not set it)";
  if (r.path != r.path_as_written)
    text += " is resolved against the config file's directory: " + r.path;
  return text + where;
}

Config load_config(const std::string& file) { return parse_config(read_text_file(file), file); }

}  // namespace klaxon
