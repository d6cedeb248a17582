#include "notify/channel.h"

#include <map>
#include <set>

#include "core/time.h"

namespace klaxon {

std::string digest_headline(const Digest& d) {
  std::set<std::string> rules;
  for (const Alert* a : d.alerts) rules.insert(a->rule);
  int64_t minutes = std::max<int64_t>(1, (d.now_ms - d.since_ms + 59'999) / 60'000);
  return std::to_string(d.alerts.size()) + " alerts from " + std::to_string(rules.size()) +
         (rules.size() == 1 ? " rule" : " rules") + " in the last " + std::to_string(minutes) +
         " min (rate limit reached; one digest instead)";
}

std::vector<std::string> digest_lines(const Digest& d, size_t max_lines) {
  struct PerRule {
    std::string severity;
    size_t alerts = 0;
    std::set<std::string> groups;
    std::string last_group;
  };
  std::map<std::string, PerRule> by_rule;
  for (const Alert* a : d.alerts) {
    PerRule& r = by_rule[a->rule];
    r.severity = a->severity;
    ++r.alerts;
    r.groups.insert(a->group_key);
    r.last_group = a->group_key;
  }
  std::vector<std::string> lines;
  for (const auto& [rule, r] : by_rule) {
    if (lines.size() == max_lines) {
      lines.push_back("... and " + std::to_string(by_rule.size() - max_lines) + " more rules");
      break;
    }
    lines.push_back(
        "[" + r.severity + "] " + rule + ": " + std::to_string(r.alerts) +
        (r.alerts == 1 ? " alert" : " alerts") + " in " + std::to_string(r.groups.size()) +
        (r.groups.size() == 1 ? " group" : " groups") + " (latest: " + r.last_group + ")");
  }
  return lines;
}

}  // namespace klaxon
