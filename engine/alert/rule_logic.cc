#include "alert/rule_logic.h"

#include <algorithm>

#include "alert/rule_types.h"

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

std::string duration_text(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  int64_t s = ms / 1000;
  std::string out;
  const int64_t day = 86400, hour = 3600, minute = 60;
  if (s >= day) out += std::to_string(s / day) + "d", s %= day;
  if (s >= hour) out += std::to_string(s / hour) + "h", s %= hour;
  if (s >= minute) out += std::to_string(s / minute) + "m", s %= minute;
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

}  // namespace logic
}  // namespace klaxon
