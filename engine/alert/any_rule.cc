// `any`: every match alerts, then `realert` suppresses the group's repeats (event time).
// `times` holds the group's earlier alerts (before the last one, sorted, the latest
// kEarlierAlertsKept), so a late match is judged against the alerts around it.
#include <algorithm>

#include "alert/rule_types.h"

namespace klaxon {
namespace {

// Enough for a backlog that interleaves a few days of a daily incident; each costs about
// four bytes in the group's state.
constexpr size_t kEarlierAlertsKept = 16;

}  // namespace

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
  const int64_t realert = rule.realert.count();
  if (t < g.last_alert_ms && realert > 0) {
    // Late: input partitions are read side by side, and one that is behind (a backlog, a
    // shipper catching up) brings matches older than the group's last alert. Held back
    // when an alert of the group is within realert of it, before or after, as it would
    // have been in order; otherwise it is an incident of its own, alerted once.
    auto near = [&](int64_t alert) { return t > alert - realert && t < alert + realert; };
    if (near(g.last_alert_ms) || std::any_of(g.times.begin(), g.times.end(), near)) {
      ++g.suppressed;
      logic::merge_ids(g.request_ids, ids, max_ids);
      return;
    }
    Firing f;
    f.at_ms = f.window_start_ms = f.window_end_ms = t;
    f.count = g.count;
    f.by_match = true;
    logic::merge_ids(f.request_ids, ids, max_ids);
    f.condition = "late match, outside the realert window of the group's alerts";
    auto at = g.times.insert(std::upper_bound(g.times.begin(), g.times.end(), t), t);
    // Full: the oldest other one goes. Never this one, or each of its repeats would alert.
    if (g.times.size() > kEarlierAlertsKept)
      g.times.erase(at == g.times.begin() ? g.times.begin() + 1 : g.times.begin());
    fired.push_back(std::move(f));
    return;
  }
  if (logic::realert_allows(t, g.last_alert_ms, realert)) {
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
    if (g.last_alert_ms != 0 && realert > 0) {  // kept for late matches
      g.times.push_back(g.last_alert_ms);
      if (g.times.size() > kEarlierAlertsKept) g.times.erase(g.times.begin());
    }
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
