// Rule: one alert rule as loaded from a YAML file under rules/ (see docs/rules.md).
// Plain data; built by load_rules(), read by the Matcher (selection, patterns, grouping)
// and by the alert stage's evaluators (rule type and its parameters).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

using std::chrono::milliseconds;

enum class RuleType {
  any,        // every match alerts, then the realert window suppresses repeats per group
  frequency,  // at least num_events matches of a group within a sliding timeframe
  flatline,   // fewer than threshold matches of a group within timeframe (fired by time)
  spike,      // this window's count against the previous window's, up or down
  new_term,   // a group key not seen within terms_window
};

inline constexpr RuleType kAllRuleTypes[] = {RuleType::any, RuleType::frequency, RuleType::flatline,
                                             RuleType::spike, RuleType::new_term};
// A rule's `severity`, most urgent first.
inline constexpr std::string_view kSeverities[] = {"critical", "error", "warning", "info"};

enum class GroupBy {
  rule,         // one group per rule
  fingerprint,  // exception class + top application frames of the stack trace (see fingerprint.h)
  field,        // the value of a top-level field (Rule::group_field)
  match_text,   // the text the rule's first hitting `match` pattern matched (needs SOM)
};

enum class SpikeDirection { up, down, both };

struct Pattern {
  std::string expression;  // a Hyperscan regex (PCRE subset), or the text itself when literal
  bool literal = false;    // match the text as written, no regex syntax
  bool case_insensitive = false;
  int line = 0;  // where it is written, for error messages
  int column = 0;
  int list_index = -1;  // its place in the file's match/exclude list (-1: not from a file)
};

// One condition on a top-level field of the event; every part that is set must hold.
// A field the event does not have fails every condition except `exists: false`.
struct FieldCondition {
  std::string name;
  int line = 0;
  int column = 0;
  std::vector<std::string> equals;    // the value equals one of these (text comparison)
  std::vector<std::string> prefixes;  // the value starts with one of these
  std::optional<Pattern> regex;       // the value matches (Hyperscan, anywhere unless anchored)
  std::optional<bool> exists;         // the field is present (true) or absent (false)
  // Numeric comparisons; the value must parse as a number (JSON number or numeric string).
  std::optional<double> gt, gte, lt, lte;
};

struct Rule {
  std::string name;  // unique across all rule files; the rule's identity in state and alerts
  std::string file;  // where it was loaded from
  int line = 0;
  std::string description;
  int index_in_file = -1;            // position in its file's `rules:` list (-1: not from a file)
  std::string severity = "warning";  // critical | error | warning | info
  RuleType type = RuleType::any;

  // Selection, evaluated before any regex scan; empty lists select everything.
  std::vector<std::string> types;      // event `type` equals one of these
  std::vector<std::string> tags_all;   // event has every one of these tags
  std::vector<std::string> tags_any;   // event has at least one of these tags
  std::vector<std::string> tags_none;  // event has none of these tags
  std::vector<FieldCondition> fields;  // every condition holds

  // Message patterns: at least one `match` must hit (none given: every selected event
  // matches), and any `exclude` hit vetoes the event.
  std::vector<Pattern> match;
  std::vector<Pattern> exclude;

  GroupBy group_by = GroupBy::rule;
  std::string group_field;  // when group_by == field

  // Per group: after an alert, the group does not alert again for this long (event time).
  milliseconds realert{std::chrono::minutes(5)};

  // Type parameters (validated by the loader for the rule's type; unused otherwise).
  milliseconds timeframe{0};  // frequency, flatline, spike: the window length
  int64_t num_events = 0;     // frequency: matches within timeframe that fire
  int64_t threshold = 0;      // flatline: fewer matches than this within timeframe fire
  double spike_height = 0;    // spike: ratio between the windows that fires (> 1)
  SpikeDirection spike_type = SpikeDirection::up;
  int64_t threshold_cur = 0;  // spike: least matches in the current window to fire
  int64_t threshold_ref = 1;  // spike: least matches in the previous window to fire
  milliseconds terms_window{std::chrono::hours(24 * 30)};  // new_term: "new" = unseen this long

  // Channels (config notify.channels) its alerts go to; unset: notify.default_channels.
  std::optional<std::vector<std::string>> notify;
  int notify_line = 0;

  // What keeps a rule's state across a reload: state is kept when name, type and grouping
  // are unchanged (filters, patterns and thresholds may be tuned freely).
  std::string state_id() const;
};

std::string_view to_string(RuleType type);
std::string_view to_string(SpikeDirection d);
// "rule", "fingerprint" or "field:<name>".
std::string group_by_name(const Rule& rule);

}  // namespace klaxon
