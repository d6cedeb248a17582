#include "match/rule.h"

#include "core/hash.h"

namespace klaxon {

std::string_view to_string(RuleType type) {
  switch (type) {
    case RuleType::any:
      return "any";
    case RuleType::frequency:
      return "frequency";
    case RuleType::flatline:
      return "flatline";
    case RuleType::spike:
      return "spike";
    case RuleType::new_term:
      return "new_term";
  }
  return "any";
}

std::string_view to_string(SpikeDirection d) {
  switch (d) {
    case SpikeDirection::up:
      return "up";
    case SpikeDirection::down:
      return "down";
    case SpikeDirection::both:
      return "both";
  }
  return "up";
}

std::string group_by_name(const Rule& rule) {
  switch (rule.group_by) {
    case GroupBy::rule:
      return "rule";
    case GroupBy::fingerprint:
      return "fingerprint";
    case GroupBy::field:
      return "field:" + rule.group_field;
    case GroupBy::match_text:
      return "match";
  }
  return "rule";
}

std::string Rule::state_id() const {
  // The grouping is hashed: a field name may hold any character, a state key may not.
  std::string id = name;
  id.append("@").append(to_string(type)).append("@");
  id.append(hex64(fnv1a64(group_by_name(*this))).substr(0, 8));
  return id;
}

}  // namespace klaxon
