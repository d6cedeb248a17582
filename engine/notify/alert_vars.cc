#include "notify/alert_vars.h"

#include "core/time.h"

namespace klaxon {

namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string time_or_empty(int64_t ms) { return ms == 0 ? std::string() : format_timestamp_ms(ms); }

}  // namespace

TemplateVars alert_vars(const Alert& a) {
  size_t stack_lines = a.stack_trace.empty() ? 0 : 1;
  for (char c : a.stack_trace) stack_lines += c == '\n' ? 1 : 0;
  TemplateVars v{
      {"id", a.id},
      {"rule", a.rule},
      {"rule_type", a.rule_type},
      {"severity", a.severity},
      {"description", a.description},
      {"group_by", a.group_by},
      {"group_key", a.group_key},
      {"condition", a.condition},
      {"count", std::to_string(a.count)},
      {"suppressed_count", a.suppressed_count ? std::to_string(a.suppressed_count) : ""},
      {"host", a.host},
      {"path", a.path},
      {"type", a.type},
      {"tags", join(a.tags, ", ")},
      {"message", a.message},
      {"stack_trace", a.stack_trace},
      {"stack_trace_lines", stack_lines ? std::to_string(stack_lines) : ""},
      {"stack_trace_total_lines",
       a.stack_trace_total_lines ? std::to_string(a.stack_trace_total_lines) : ""},
      {"stack_trace_truncated", a.stack_trace_total_lines > stack_lines ? "yes" : ""},
      {"request_ids", join(a.request_ids, ", ")},
      {"kibana_url", a.kibana_url},
      {"event_time", time_or_empty(a.event_time_ms)},
      {"first_seen", time_or_empty(a.first_seen_ms)},
      {"last_seen", time_or_empty(a.last_seen_ms)},
      {"window_start", time_or_empty(a.window_start_ms)},
      {"window_end", time_or_empty(a.window_end_ms)},
      {"exception_class", a.exception_class},
      {"top_frames", join(a.top_frames, "\n")},
      {"topic", a.topic},
      {"partition", a.partition >= 0 ? std::to_string(a.partition) : ""},
      {"offset", a.offset >= 0 ? std::to_string(a.offset) : ""},
  };
  return v;
}

}  // namespace klaxon
