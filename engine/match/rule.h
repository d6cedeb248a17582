// Rule: one alert rule as loaded from a YAML file under rules/ (see README "Rule files").
// Plain data; built by load_rules(), read by the Matcher and the state/alert stages.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace klaxon {

enum class GroupBy {
  rule,         // one group per rule
  fingerprint,  // exception class + top application frames of the stack trace (see fingerprint.h)
  field,        // the value of a top-level field (Rule::group_field)
};

struct Pattern {
  std::string expression;  // Hyperscan regex (PCRE subset)
  bool case_insensitive = false;
  int line = 0;  // where it is written, for error messages
};

struct FieldEquals {
  std::string name;
  std::vector<std::string> values;  // matches when the field equals any of them
};

struct Rule {
  std::string name;  // unique across all rule files; the rule's identity in state and alerts
  std::string file;  // where it was loaded from
  int line = 0;
  std::string description;
  std::string severity = "warning";  // critical | error | warning | info

  // Selection, evaluated before any regex scan; empty lists select everything.
  std::vector<std::string> types;      // event `type` equals one of these
  std::vector<std::string> tags_all;   // event has every one of these tags
  std::vector<std::string> tags_any;   // event has at least one of these tags
  std::vector<std::string> tags_none;  // event has none of these tags
  std::vector<FieldEquals> fields;     // each named field equals one of its values

  // Message patterns: at least one `match` must hit (none given: every selected event
  // matches), and any `exclude` hit vetoes the event.
  std::vector<Pattern> match;
  std::vector<Pattern> exclude;

  GroupBy group_by = GroupBy::rule;
  std::string group_field;                                     // when group_by == field
  std::chrono::milliseconds realert{std::chrono::minutes(5)};  // dedup window per group
};

}  // namespace klaxon
