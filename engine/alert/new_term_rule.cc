// `new_term`: a group key (a fingerprint, a host, ...) not seen within `terms_window` fires.
#include <algorithm>

#include "alert/rule_types.h"

namespace klaxon {

void NewTermLogic::on_match(const Rule& rule, GroupState& g, bool fresh, int64_t t,
                            const std::vector<std::string>& ids, const LogicOptions& options,
                            std::vector<Firing>& fired) const {
  bool returned = !fresh && logic::at_least(t, g.last_seen_ms, rule.terms_window.count() + 1);
  if (fresh || returned) {
    Firing f;
    f.at_ms = f.window_start_ms = f.window_end_ms = t;
    f.count = fresh ? 1 : g.count + 1;
    f.by_match = true;
    logic::merge_ids(f.request_ids, ids, options.max_request_ids);
    f.condition = fresh ? "new term: first seen"
                        : "term seen again after more than " +
                              logic::duration_text(rule.terms_window.count()) + " (last seen " +
                              logic::duration_text(t - g.last_seen_ms) + " before)";
    g.last_alert_ms = t;
    fired.push_back(std::move(f));
  }
  if (fresh) g.first_seen_ms = g.last_seen_ms = t;
  ++g.count;
  g.first_seen_ms = std::min(g.first_seen_ms, t);
  g.last_seen_ms = std::max(g.last_seen_ms, t);
}

void NewTermLogic::on_time(const Rule&, GroupState&, int64_t, const LogicOptions&,
                           std::vector<Firing>&) const {}

int64_t NewTermLogic::next_due(const Rule& rule, const GroupState& g, const LogicOptions&) const {
  return g.last_seen_ms + rule.terms_window.count() + 1;
}

bool NewTermLogic::expired(const Rule& rule, const GroupState& g, int64_t now,
                           const LogicOptions& options) const {
  return now >= next_due(rule, g, options);
}

}  // namespace klaxon
