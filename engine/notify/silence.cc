#include "notify/silence.h"

#include <simdjson.h>

#include "core/json_writer.h"
#include "core/time.h"
#include "notify/alert_labels.h"

namespace klaxon {

std::string_view Silence::state(int64_t now) const {
  if (now < starts_ms) return "pending";
  return now < ends_ms ? "active" : "expired";
}

bool Silence::matches(const Alert& alert) const {
  if (!rule.empty() && rule != alert.rule) return false;
  if (match.empty()) return true;
  std::map<std::string, std::string> labels = alert_labels(alert);
  for (const auto& [name, value] : match) {
    auto it = labels.find(name);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

namespace {

void write_silence(JsonWriter& w, const Silence& s) {
  w.field("id", s.id).field("rule", s.rule);
  w.key("match").begin_object();
  for (const auto& [name, value] : s.match) w.field(name, value);
  w.end_object();
  w.field("starts_at", format_timestamp_ms(s.starts_ms));
  w.field("ends_at", format_timestamp_ms(s.ends_ms));
  w.field("created_by", s.created_by).field("comment", s.comment);
}

bool read_text(simdjson::dom::object& o, const char* key, std::string& out, bool required,
               std::string& error) {
  std::string_view v;
  auto field = o[key];
  if (field.error() == simdjson::NO_SUCH_FIELD && !required) return true;
  if (field.get(v) != simdjson::SUCCESS) {
    error = std::string("\"") + key + "\" must be a string";
    return false;
  }
  out = std::string(v);
  return true;
}

bool read_time(simdjson::dom::object& o, const char* key, int64_t& out, std::string& error) {
  std::string text;
  if (!read_text(o, key, text, true, error)) return false;
  std::optional<int64_t> ms = parse_timestamp_ms(text);
  if (!ms) {
    error = std::string("\"") + key + "\" is not a timestamp: " + text;
    return false;
  }
  out = *ms;
  return true;
}

}  // namespace

std::string to_json(const Silence& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_silence(w, s);
  w.end_object();
  return out;
}

bool from_json(std::string_view json, Silence& s, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get(o) != simdjson::SUCCESS) {
    error = "not a JSON object";
    return false;
  }
  s = Silence{};
  if (!read_text(o, "id", s.id, true, error) || !read_text(o, "rule", s.rule, false, error) ||
      !read_time(o, "starts_at", s.starts_ms, error) ||
      !read_time(o, "ends_at", s.ends_ms, error) ||
      !read_text(o, "created_by", s.created_by, false, error) ||
      !read_text(o, "comment", s.comment, false, error))
    return false;
  simdjson::dom::object match;
  auto field = o["match"];
  if (field.error() != simdjson::NO_SUCH_FIELD) {
    if (field.get(match) != simdjson::SUCCESS) {
      error = "\"match\" must be an object of label names to values";
      return false;
    }
    for (auto [name, value] : match) {
      std::string_view v;
      if (value.get(v) != simdjson::SUCCESS) {
        error = "\"match\": the value of \"" + std::string(name) + "\" must be a string";
        return false;
      }
      s.match[std::string(name)] = std::string(v);
    }
  }
  if (s.id.empty()) {
    error = "\"id\" is empty";
    return false;
  }
  return true;
}

std::string describe(const Silence& s) {
  std::string out = s.rule.empty() ? std::string("any rule") : "rule " + s.rule;
  for (const auto& [name, value] : s.match) out += ", " + name + "=" + value;
  out += ", " + format_timestamp_ms(s.starts_ms) + " to " + format_timestamp_ms(s.ends_ms);
  if (!s.created_by.empty()) out += ", by " + s.created_by;
  if (!s.comment.empty()) out += ": " + s.comment;
  return out;
}

bool parse_matcher(std::string_view text, std::pair<std::string, std::string>& out,
                   std::string& error) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    error = "\"" + std::string(text) + "\" is not label=value";
    return false;
  }
  out = {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
  return true;
}

bool SilenceStore::apply(std::string_view id, std::optional<std::string_view> value,
                         std::string& error) {
  std::lock_guard lock(mutex_);
  if (!value) {
    by_id_.erase(std::string(id));
    return true;
  }
  Silence s;
  if (!from_json(*value, s, error)) return false;
  if (s.id != id) {
    error = "its id " + s.id + " is not its key " + std::string(id);
    return false;
  }
  by_id_[s.id] = std::move(s);
  return true;
}

std::optional<Silence> SilenceStore::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> SilenceStore::silenced_by(const Alert& alert, int64_t now) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : by_id_)
    if (s.active(now) && s.matches(alert)) return id;
  return std::nullopt;
}

std::vector<Silence> SilenceStore::all() const {
  std::lock_guard lock(mutex_);
  std::vector<Silence> out;
  for (const auto& [id, s] : by_id_) out.push_back(s);
  return out;
}

std::map<std::string, size_t> SilenceStore::count_by_state(int64_t now) const {
  std::map<std::string, size_t> counts = {{"active", 0}, {"pending", 0}, {"expired", 0}};
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : by_id_) ++counts[std::string(s.state(now))];
  return counts;
}

std::string SilenceStore::to_json(int64_t now) const {
  std::string out = "[";
  std::lock_guard lock(mutex_);
  for (const auto& [id, s] : by_id_) {
    if (out.size() > 1) out += ",";
    JsonWriter w(out);
    w.begin_object();
    write_silence(w, s);
    w.field("state", s.state(now));
    w.end_object();
  }
  out += "]";
  return out;
}

}  // namespace klaxon
