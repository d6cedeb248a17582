#include "alert/rule_logic.h"

#include <algorithm>

#include "alert/rule_types.h"
#include "core/text.h"

namespace klaxon {

const RuleLogic& logic_for(RuleType type) {
  static const AnyLogic any;
  static const FrequencyLogic frequency;
  static const FlatlineLogic flatline;
  static const SpikeLogic spike;
  static const NewTermLogic new_term;
  switch (type) {
    case RuleType::any:
      return any;
    case RuleType::frequency:
      return frequency;
    case RuleType::flatline:
      return flatline;
    case RuleType::spike:
      return spike;
    case RuleType::new_term:
      return new_term;
  }
  return any;
}

namespace logic {

void merge_ids(std::vector<std::string>& ids, const std::vector<std::string>& add, size_t max) {
  for (const auto& id : add) {
    if (ids.size() >= max) return;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
}

bool at_least(int64_t t, int64_t since, int64_t span) {
  int64_t elapsed;
  if (__builtin_sub_overflow(t, since, &elapsed)) return t > since;
  return elapsed >= span;
}

std::string duration_text(int64_t ms) { return human_duration(ms); }

bool realert_allows(int64_t t, int64_t last_alert, int64_t realert) {
  return last_alert == 0 || realert <= 0 || at_least(t, last_alert, realert);
}

}  // namespace logic
}  // namespace klaxon
