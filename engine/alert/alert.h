// Alert: what klaxon tells a person. Built from the rule, the evaluator's Firing (what the
// rule type decided) and, when a match fired it, that match's event as the sample (host,
// message, stack trace, request ids); serialised as the JSON document of
// schemas/alert.schema.json, produced to the alerts topic, and printed readably in the log.
//
// Alert ids are deterministic: hash(rule, group key, window start), where the window start
// is the Firing's (the alerting match's event time for `any`, the window's start for the
// windowed types). A replay after a crash yields the same id, so the state store and any
// consumer of the alerts topic can recognise it.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alert/rule_logic.h"
#include "core/event.h"
#include "match/match_record.h"
#include "match/rule.h"

namespace klaxon {

struct AlertOptions {
  std::string kibana_url = "http://localhost:5601";
  std::string kibana_index_pattern = "logstash-*";
  size_t stack_trace_lines = 50;
  size_t max_message_bytes = 2048;  // of the sample message (its first line)
};

struct Alert {
  std::string id;
  std::string rule;
  std::string rule_type;  // any | frequency | flatline | spike | new_term
  std::string severity;
  std::string description;
  std::string group_by;  // rule | fingerprint | match | field:<name>
  std::string group_key;
  std::string condition;          // why it fired, in words
  uint64_t count = 0;             // what the condition counted (schema: per rule type)
  uint64_t reference_count = 0;   // spike: the previous window's count
  std::string direction;          // spike: up | down
  uint64_t suppressed_count = 0;  // what realert held back since the group's previous alert
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t event_time_ms = 0;  // when it fired (event time)
  int64_t window_start_ms = 0;
  int64_t window_end_ms = 0;
  std::chrono::milliseconds window{0};  // the rule's realert
  bool has_source = false;  // fired by a match: the sample fields below are that event's
  std::string host, path, type;
  std::vector<std::string> tags;
  std::vector<std::string> request_ids;
  std::string message;      // first line of the event's message, bounded
  std::string stack_trace;  // first stack_trace_lines lines of a multi-line message
  uint64_t stack_trace_total_lines = 0;
  std::string exception_class;          // when grouped by fingerprint
  std::vector<std::string> top_frames;  // when grouped by fingerprint
  std::string kibana_url;
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};

std::string alert_id(std::string_view rule, std::string_view group_key, int64_t window_start_ms);

// `sample` is of the match that fired it, or null when time fired it (flatline, spike down).
Alert make_alert(const AlertOptions& options, const Rule& rule, std::string_view group_key,
                 const Firing& firing, const Sample* sample);

// The alerts topic's message key: rule and group, so one group's alerts stay in order.
std::string alert_key(const Alert& alert);

std::string to_json(const Alert& alert);
// Parses a document written by to_json (for the demo, tools and tests); false if invalid.
bool from_json(std::string_view json, Alert& out);

// Several lines for a terminal or a log, with at most `stack_lines` lines of stack trace.
std::string to_text(const Alert& alert, size_t stack_lines = 10);
// One line for the log.
std::string to_log_line(const Alert& alert);

// Kibana Discover link for the alert's time range, filtered to its request ids (or to its
// type and host when it has none, or to the rule's types and group when it has no sample).
std::string kibana_discover_url(const AlertOptions& options, const Alert& alert,
                                const Rule* rule = nullptr);

}  // namespace klaxon
