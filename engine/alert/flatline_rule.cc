// `flatline`: fewer than `threshold` matches of a group within the last `timeframe`: the
// traffic a rule expects has stopped (pay-success logs, say), which no error rule can see.
// Fired by time, not by a match: the Evaluator's timers call on_time when the group would
// go flat. It fires once, again every `realert` while still flat (never again when realert
// is 0), and recovers when `threshold` matches fall within a timeframe again.
#include <algorithm>
#include <climits>

#include "alert/rule_types.h"

namespace klaxon {

namespace {

// Matches of the group within (now - timeframe, now].
uint64_t in_window(const GroupState& g, int64_t now, int64_t timeframe) {
  return static_cast<uint64_t>(std::count_if(g.times.begin(), g.times.end(), [&](int64_t t) {
    return t <= now && !logic::at_least(now, t, timeframe);
  }));
}

// When the group goes flat unless more matches come: `timeframe` after the oldest of its
// latest `threshold` matches, and never before it has been watched for a timeframe.
int64_t goes_flat_at(const Rule& rule, const GroupState& g) {
  int64_t since = g.since_ms + rule.timeframe.count();
  if (static_cast<int64_t>(g.times.size()) < rule.threshold) return since;
  return std::max(since, g.times.front() + rule.timeframe.count());
}

}  // namespace

void FlatlineLogic::on_match(const Rule& rule, GroupState& g, bool fresh, int64_t t,
                             const std::vector<std::string>&, const LogicOptions&,
                             std::vector<Firing>&) const {
  if (fresh) g.first_seen_ms = g.last_seen_ms = g.since_ms = t;
  ++g.count;
  g.first_seen_ms = std::min(g.first_seen_ms, t);
  g.last_seen_ms = std::max(g.last_seen_ms, t);
  // Keep the latest `threshold` match times: enough to count any window up to threshold.
  g.times.insert(std::upper_bound(g.times.begin(), g.times.end(), t), t);
  if (static_cast<int64_t>(g.times.size()) > rule.threshold)
    g.times.erase(g.times.begin(), g.times.end() - rule.threshold);
  if (g.firing &&
      static_cast<int64_t>(in_window(g, g.last_seen_ms, rule.timeframe.count())) >= rule.threshold)
    g.firing = false;  // traffic is back
}

void FlatlineLogic::on_time(const Rule& rule, GroupState& g, int64_t now, const LogicOptions&,
                            std::vector<Firing>& fired) const {
  const int64_t timeframe = rule.timeframe.count();
  if (now < goes_flat_at(rule, g)) return;
  uint64_t count = in_window(g, now, timeframe);
  if (static_cast<int64_t>(count) >= rule.threshold) {
    g.firing = false;
    return;
  }
  if (g.firing) {
    bool again =
        rule.realert.count() > 0 && logic::at_least(now, g.last_alert_ms, rule.realert.count());
    if (!again) return;
  }
  Firing f;
  f.at_ms = now;
  // The first alert of an outage is named by the moment the group went flat, so a
  // recomputation names it the same; repeats while still flat by their own time.
  f.window_start_ms = g.firing ? now - timeframe : goes_flat_at(rule, g) - timeframe;
  f.window_end_ms = now;
  f.count = count;
  f.condition = std::to_string(count) + (count == 1 ? " match" : " matches") + " in the last " +
                logic::duration_text(timeframe) + " (threshold " + std::to_string(rule.threshold) +
                "); last match " +
                (g.count == 0 ? std::string("never seen")
                              : logic::duration_text(now - g.last_seen_ms) + " ago");
  g.firing = true;
  g.last_alert_ms = now;
  fired.push_back(std::move(f));
}

int64_t FlatlineLogic::next_due(const Rule& rule, const GroupState& g, const LogicOptions&) const {
  if (!g.firing) return goes_flat_at(rule, g);
  int64_t forget = g.last_seen_ms + std::max(kIdleRetentionMs, 2 * rule.timeframe.count());
  if (rule.realert.count() <= 0) return rule.group_by == GroupBy::rule ? INT64_MAX : forget;
  int64_t again = g.last_alert_ms + rule.realert.count();
  return rule.group_by == GroupBy::rule ? again : std::min(again, forget);
}

bool FlatlineLogic::expired(const Rule& rule, const GroupState& g, int64_t now,
                            const LogicOptions&) const {
  // The rule's own group is watched for as long as the rule exists; a group per field
  // value (a host that was decommissioned, say) is forgotten after a day of silence.
  if (rule.group_by == GroupBy::rule) return false;
  return g.firing && logic::at_least(now, g.last_seen_ms,
                                     std::max(kIdleRetentionMs, 2 * rule.timeframe.count()));
}

}  // namespace klaxon
