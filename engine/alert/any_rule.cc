// `any`: every match alerts, then `realert` suppresses the group's repeats (event time).
#include <algorithm>

#include "alert/rule_types.h"

namespace klaxon {

void AnyLogic::on_match(const Rule& rule, GroupState& g, bool fresh, int64_t t,
                        const std::vector<std::string>& ids, const LogicOptions& options,
                        std::vector<Firing>& fired) const {
  const size_t max_ids = options.max_request_ids;
  if (fresh) {
    g.count = 1;
    g.first_seen_ms = g.last_seen_ms = g.last_alert_ms = t;
    logic::merge_ids(g.request_ids, ids, max_ids);
    Firing f;
    f.at_ms = f.window_start_ms = f.window_end_ms = t;
    f.count = 1;
    f.by_match = true;
    f.request_ids = g.request_ids;
    f.condition = "first match of this group";
    fired.push_back(std::move(f));
    return;
  }
  ++g.count;
  g.first_seen_ms = std::min(g.first_seen_ms, t);
  g.last_seen_ms = std::max(g.last_seen_ms, t);
  if (logic::realert_allows(t, g.last_alert_ms, rule.realert.count())) {
    Firing f;
    f.at_ms = f.window_start_ms = f.window_end_ms = t;
    f.count = g.count;
    f.suppressed = g.suppressed;
    f.by_match = true;
    // This match's ids first, then those of the matches it held back.
    logic::merge_ids(f.request_ids, ids, max_ids);
    logic::merge_ids(f.request_ids, g.request_ids, max_ids);
    f.condition = g.suppressed == 0
                      ? "match after the realert window"
                      : std::to_string(g.suppressed) + " more matches since the previous alert";
    g.suppressed = 0;
    g.last_alert_ms = t;
    g.request_ids.clear();
    fired.push_back(std::move(f));
  } else {
    ++g.suppressed;
  }
  logic::merge_ids(g.request_ids, ids, max_ids);
}

void AnyLogic::on_time(const Rule&, GroupState&, int64_t, const LogicOptions&,
                       std::vector<Firing>&) const {}

int64_t AnyLogic::next_due(const Rule& rule, const GroupState& g, const LogicOptions&) const {
  return g.last_seen_ms + std::max<int64_t>(rule.realert.count(), kIdleRetentionMs);
}

bool AnyLogic::expired(const Rule& rule, const GroupState& g, int64_t now,
                       const LogicOptions& options) const {
  return now >= next_due(rule, g, options);
}

}  // namespace klaxon
