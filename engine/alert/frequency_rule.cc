// `frequency`: at least `num_events` matches of a group within a sliding `timeframe`
// (ElastAlert's semantics: the window holds the matches within `timeframe` of the newest;
// reaching the threshold fires and empties it, so the next alert needs as many new ones).
#include <algorithm>

#include "alert/rule_types.h"

namespace klaxon {

void FrequencyLogic::on_match(const Rule& rule, GroupState& g, bool fresh, int64_t t,
                              const std::vector<std::string>& ids, const LogicOptions& options,
                              std::vector<Firing>& fired) const {
  const int64_t timeframe = rule.timeframe.count();
  if (fresh) g.first_seen_ms = g.last_seen_ms = t;
  ++g.count;
  g.first_seen_ms = std::min(g.first_seen_ms, t);
  g.last_seen_ms = std::max(g.last_seen_ms, t);
  logic::merge_ids(g.request_ids, ids, options.max_request_ids);

  // Matches older than the timeframe before the newest cannot be in any window again.
  int64_t newest = g.times.empty() ? t : std::max(g.times.back(), t);
  if (!logic::at_least(newest, t, timeframe))
    g.times.insert(std::upper_bound(g.times.begin(), g.times.end(), t), t);
  auto first_in = std::find_if(g.times.begin(), g.times.end(),
                               [&](int64_t x) { return !logic::at_least(newest, x, timeframe); });
  g.times.erase(g.times.begin(), first_in);
  if (static_cast<int64_t>(g.times.size()) < rule.num_events) return;

  Firing f;
  f.at_ms = t;
  f.window_start_ms = g.times.front();
  f.window_end_ms = g.times.back();
  f.count = g.times.size();
  g.times.clear();
  if (!logic::realert_allows(t, g.last_alert_ms, rule.realert.count())) {
    ++g.suppressed;  // the threshold was reached again inside the realert window
    return;
  }
  f.suppressed = g.suppressed;
  f.by_match = true;
  f.request_ids = std::move(g.request_ids);
  g.request_ids.clear();
  f.condition = std::to_string(f.count) + " matches within " +
                logic::duration_text(f.window_end_ms - f.window_start_ms) + " (num_events " +
                std::to_string(rule.num_events) + " within " + logic::duration_text(timeframe) +
                ")";
  g.suppressed = 0;
  g.last_alert_ms = t;
  fired.push_back(std::move(f));
}

void FrequencyLogic::on_time(const Rule&, GroupState&, int64_t, const LogicOptions&,
                             std::vector<Firing>&) const {}

int64_t FrequencyLogic::next_due(const Rule& rule, const GroupState& g, const LogicOptions&) const {
  int64_t keep = std::max({rule.timeframe.count(), rule.realert.count(), kIdleRetentionMs});
  return std::max(g.last_seen_ms, g.last_alert_ms) + keep;
}

bool FrequencyLogic::expired(const Rule& rule, const GroupState& g, int64_t now,
                             const LogicOptions& options) const {
  return now >= next_due(rule, g, options);
}

}  // namespace klaxon
