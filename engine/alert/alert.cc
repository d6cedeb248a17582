#include "alert/alert.h"

#include <simdjson.h>

#include <algorithm>

#include "core/hash.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"
#include "match/fingerprint.h"

namespace klaxon {

namespace {

std::string_view first_line(std::string_view s) {
  size_t nl = s.find('\n');
  std::string_view line = nl == std::string_view::npos ? s : s.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Cuts at a byte limit without splitting a UTF-8 sequence.
std::string bounded(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "…";
}

// Rison string literal (Kibana's URL state format): quote, and escape ' and ! with !.
std::string rison_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '!') out.push_back('!');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// Percent-encodes everything but unreserved characters and Rison's structural ones.
std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~' || c == '(' || c == ')' || c == ',' ||
                c == ':' || c == '\'' || c == '!' || c == '*';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

std::string kql_phrase(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string alert_id(std::string_view rule, std::string_view group_key, int64_t window_start_ms) {
  uint64_t h = fnv1a64(rule);
  h = fnv1a64("\x1f", h);
  h = fnv1a64(group_key, h);
  h = fnv1a64("\x1f", h);
  h = fnv1a64(std::to_string(window_start_ms), h);
  return hex64(h);
}

namespace {

// Copies what a person needs from the event that fired the alert.
void take_sample(const AlertOptions& options, const Rule& rule, const Sample& sample, Alert& a) {
  a.has_source = true;
  a.host = std::string(sample.host);
  a.path = std::string(sample.path);
  a.type = std::string(sample.type);
  for (auto t : sample.tags) a.tags.emplace_back(t);
  a.message = bounded(first_line(sample.message), options.max_message_bytes);
  if (sample.message_lines > 1) {
    std::string_view rest = sample.message;
    for (uint64_t lines = 0; !rest.empty() && lines < options.stack_trace_lines; ++lines) {
      size_t nl = rest.find('\n');
      if (!a.stack_trace.empty()) a.stack_trace.push_back('\n');
      a.stack_trace.append(nl == std::string_view::npos ? rest : rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    a.stack_trace_total_lines = sample.message_lines;
  }
  if (rule.group_by == GroupBy::fingerprint) {
    Fingerprint fp = fingerprint(sample.message);
    a.exception_class = fp.exception_class;
    a.top_frames = fp.top_frames;
  }
  a.topic = std::string(sample.source.topic);
  a.partition = sample.source.partition;
  a.offset = sample.source.offset;
}

}  // namespace

Alert make_alert(const AlertOptions& options, const Rule& rule, std::string_view group_key,
                 const Firing& firing, const Sample* sample) {
  Alert a;
  a.id = alert_id(rule.name, group_key, firing.window_start_ms);
  a.rule = rule.name;
  a.rule_type = std::string(to_string(rule.type));
  a.severity = rule.severity;
  a.description = rule.description;
  a.group_by = group_by_name(rule);
  a.group_key = std::string(group_key);
  a.condition = firing.condition;
  a.count = firing.count;
  a.reference_count = firing.reference_count;
  a.direction = std::string(firing.direction);
  a.suppressed_count = firing.suppressed;
  a.first_seen_ms = firing.first_seen_ms;
  a.last_seen_ms = firing.last_seen_ms;
  a.event_time_ms = firing.at_ms;
  a.window_start_ms = firing.window_start_ms;
  a.window_end_ms = firing.window_end_ms;
  a.window = rule.realert;
  a.request_ids = firing.request_ids;
  if (sample != nullptr) take_sample(options, rule, *sample, a);
  a.kibana_url = kibana_discover_url(options, a, &rule);
  return a;
}

std::string alert_key(const Alert& alert) { return alert.rule + "/" + alert.group_key; }

std::string kibana_discover_url(const AlertOptions& options, const Alert& a, const Rule* rule) {
  // From the earlier of the window's start and the realert window before the alert (which
  // holds the suppressed matches), to a minute after: covers clock skew between hosts.
  int64_t from = std::min(a.window_start_ms, a.event_time_ms - a.window.count());
  if (a.first_seen_ms != 0 && a.first_seen_ms > from) from = a.first_seen_ms;
  from = std::min(from, a.window_start_ms);
  int64_t to = std::max({a.last_seen_ms, a.event_time_ms, a.window_end_ms}) + 60'000;
  std::string query;
  auto any_of = [&](std::string_view field, const std::vector<std::string>& values) {
    std::string q;
    for (const auto& v : values) {
      if (!q.empty()) q += " or ";
      q += std::string(field) + (field.empty() ? "" : ":") + kql_phrase(v);
    }
    return values.size() > 1 ? "(" + q + ")" : q;
  };
  auto and_also = [&](const std::string& part) {
    if (!part.empty()) query += (query.empty() ? "" : " and ") + part;
  };
  if (!a.request_ids.empty()) {
    query = any_of("", a.request_ids);
  } else if (a.has_source) {
    if (!a.type.empty()) and_also("type:" + kql_phrase(a.type));
    if (!a.host.empty()) and_also("host:" + kql_phrase(a.host));
  } else if (rule != nullptr) {
    // Nothing matched (a flatline): show what the rule watches.
    and_also(any_of("type", rule->types));
    if (rule->group_by == GroupBy::field)
      and_also(rule->group_field + ":" + kql_phrase(a.group_key));
  }
  std::string g = "(time:(from:" + rison_string(format_timestamp_ms(from - 60'000)) +
                  ",to:" + rison_string(format_timestamp_ms(to)) + "))";
  std::string app = "(index:" + rison_string(options.kibana_index_pattern) +
                    ",query:(language:kuery,query:" + rison_string(query) + "))";
  std::string base = options.kibana_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/app/discover#/?_g=" + url_encode(g) + "&_a=" + url_encode(app);
}

std::string to_json(const Alert& a) {
  std::string out;
  out.reserve(1024 + a.stack_trace.size());
  JsonWriter w(out);
  w.begin_object()
      .field("id", a.id)
      .field("rule", a.rule)
      .field("rule_type", a.rule_type)
      .field("severity", a.severity)
      .field("description", a.description)
      .field("group_by", a.group_by)
      .field("group_key", a.group_key)
      .field("condition", a.condition)
      .field("count", a.count);
  if (a.rule_type == "spike")
    w.field("reference_count", a.reference_count).field("direction", a.direction);
  w.field("suppressed_count", a.suppressed_count);
  // A flatline group that never matched has no first or last match.
  if (a.first_seen_ms != 0) w.field("first_seen", format_timestamp_ms(a.first_seen_ms));
  if (a.last_seen_ms != 0) w.field("last_seen", format_timestamp_ms(a.last_seen_ms));
  w.field("event_time", format_timestamp_ms(a.event_time_ms))
      .field("window_start", format_timestamp_ms(a.window_start_ms))
      .field("window_end", format_timestamp_ms(a.window_end_ms))
      .field("window_seconds", static_cast<int64_t>(a.window.count() / 1000))
      .field("host", a.host)
      .field("path", a.path)
      .field("type", a.type)
      .field("tags", a.tags)
      .field("request_ids", a.request_ids)
      .field("message", a.message)
      .field("stack_trace", a.stack_trace)
      .field("stack_trace_total_lines", a.stack_trace_total_lines);
  if (!a.exception_class.empty()) w.field("exception_class", a.exception_class);
  if (!a.top_frames.empty()) w.field("top_frames", a.top_frames);
  w.field("kibana_url", a.kibana_url);
  if (a.has_source) {
    w.key("source")
        .begin_object()
        .field("topic", a.topic)
        .field("partition", a.partition)
        .field("offset", a.offset)
        .end_object();
  }
  w.end_object();
  return out;
}

namespace {
template <typename T>
bool read(simdjson::dom::object& o, const char* key, T& out) {
  return o[key].get(out) == simdjson::SUCCESS;
}
bool read_string(simdjson::dom::object& o, const char* key, std::string& out) {
  std::string_view v;
  if (o[key].get(v) != simdjson::SUCCESS) return false;
  out = std::string(v);
  return true;
}
bool read_strings(simdjson::dom::object& o, const char* key, std::vector<std::string>& out) {
  simdjson::dom::array arr;
  if (o[key].get(arr) != simdjson::SUCCESS) return false;
  for (auto el : arr) {
    std::string_view v;
    if (el.get(v) != simdjson::SUCCESS) return false;
    out.emplace_back(v);
  }
  return true;
}
bool read_time(simdjson::dom::object& o, const char* key, int64_t& out) {
  std::string_view v;
  if (o[key].get(v) != simdjson::SUCCESS) return false;
  auto ms = parse_timestamp_ms(v);
  if (!ms) return false;
  out = *ms;
  return true;
}
}  // namespace

bool from_json(std::string_view json, Alert& a) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) return false;
  int64_t window_seconds = 0, partition = -1;
  simdjson::dom::object source;
  bool ok = read_string(o, "id", a.id) && read_string(o, "rule", a.rule) &&
            read_string(o, "rule_type", a.rule_type) && read_string(o, "severity", a.severity) &&
            read_string(o, "description", a.description) &&
            read_string(o, "group_by", a.group_by) && read_string(o, "group_key", a.group_key) &&
            read_string(o, "condition", a.condition) && read(o, "count", a.count) &&
            read(o, "suppressed_count", a.suppressed_count) &&
            read_time(o, "event_time", a.event_time_ms) &&
            read_time(o, "window_start", a.window_start_ms) &&
            read_time(o, "window_end", a.window_end_ms) &&
            read(o, "window_seconds", window_seconds) && read_string(o, "host", a.host) &&
            read_string(o, "path", a.path) && read_string(o, "type", a.type) &&
            read_strings(o, "tags", a.tags) && read_strings(o, "request_ids", a.request_ids) &&
            read_string(o, "message", a.message) && read_string(o, "stack_trace", a.stack_trace) &&
            read(o, "stack_trace_total_lines", a.stack_trace_total_lines) &&
            read_string(o, "kibana_url", a.kibana_url);
  if (!ok) return false;
  if (o["source"].get(source) == simdjson::SUCCESS) {
    if (!read_string(source, "topic", a.topic) || !read(source, "partition", partition) ||
        !read(source, "offset", a.offset))
      return false;
    a.has_source = true;
  }
  if (o["first_seen"].error() == simdjson::SUCCESS && !read_time(o, "first_seen", a.first_seen_ms))
    return false;
  if (o["last_seen"].error() == simdjson::SUCCESS && !read_time(o, "last_seen", a.last_seen_ms))
    return false;
  read(o, "reference_count", a.reference_count);
  read_string(o, "direction", a.direction);
  read_string(o, "exception_class", a.exception_class);
  read_strings(o, "top_frames", a.top_frames);
  a.window = std::chrono::seconds(window_seconds);
  a.partition = static_cast<int32_t>(partition);
  return true;
}

std::string to_log_line(const Alert& a) {
  // Everything that came from a record is escaped: one alert, one log line.
  std::string s = "ALERT [" + a.severity + "] rule=" + a.rule + " type=" + a.rule_type +
                  " group=" + printable(a.group_key);
  if (!a.exception_class.empty()) s += " exception=" + a.exception_class;
  s += " count=" + std::to_string(a.count) + " suppressed=" + std::to_string(a.suppressed_count);
  if (a.has_source && !a.host.empty()) s += " host=" + printable(a.host);
  s += " id=" + a.id + " condition=\"" + a.condition + "\"";
  if (!a.request_ids.empty()) s += " request_ids=" + printable(a.request_ids.front());
  for (size_t i = 1; i < a.request_ids.size(); ++i) s += "," + printable(a.request_ids[i]);
  if (a.has_source) s += " message=\"" + printable(bounded(a.message, 200)) + "\"";
  return s;
}

std::string to_text(const Alert& a, size_t stack_lines) {
  std::string s;
  auto upper = [](std::string v) {
    for (auto& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return v;
  };
  s += "[" + upper(a.severity) + "] " + a.rule + " at " + format_timestamp_ms(a.event_time_ms) +
       "  (alert " + a.id + ")\n";
  if (!a.description.empty()) s += "  " + a.description + "\n";
  s += "  group      " + a.group_by + " = " + a.group_key;
  if (!a.exception_class.empty()) {
    s += "  (" + a.exception_class;
    if (!a.top_frames.empty()) s += " at " + a.top_frames.front();
    s += ")";
  }
  s += "\n  why        " + a.condition + "\n";
  s += "  count      " + std::to_string(a.count);
  if (a.first_seen_ms != 0) s += "; group first seen " + format_timestamp_ms(a.first_seen_ms);
  s += "; " + std::to_string(a.suppressed_count) +
       " suppressed since the previous alert (realert " + format_duration(a.window) + ")\n";
  if (a.has_source) {  // plain log lines have none of these: no empty labels
    std::string where;
    for (auto [label, value] : {std::pair<const char*, const std::string*>{"host", &a.host},
                                {"path", &a.path},
                                {"type", &a.type}})
      if (!value->empty()) where += (where.empty() ? "" : "  ") + std::string(label) + " " + *value;
    if (!where.empty()) s += "  where      " + where + "\n";
  }
  if (!a.request_ids.empty()) {
    s += "  requests  ";
    for (const auto& id : a.request_ids) s += " " + id;
    s += "\n";
  }
  if (a.has_source) s += "  message    " + a.message + "\n";
  if (!a.stack_trace.empty() && stack_lines > 0) {
    s += "  stack (" + std::to_string(a.stack_trace_total_lines) + " lines)\n";
    std::string_view rest = a.stack_trace;
    size_t shown = 0;
    while (!rest.empty() && shown < stack_lines) {
      size_t nl = rest.find('\n');
      std::string_view line = nl == std::string_view::npos ? rest : rest.substr(0, nl);
      if (shown > 0) s += "    " + std::string(line) + "\n";  // line 0 repeats `message`
      ++shown;
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    if (a.stack_trace_total_lines > shown) s += "    ...\n";
  }
  s += "  kibana     " + a.kibana_url + "\n";
  return s;
}

}  // namespace klaxon
