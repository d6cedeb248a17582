// `spike`: the group's count in the current window against the previous window's, in
// tumbling windows of `timeframe` aligned on event time (00:00, 00:10, ... for 10m).
//   up:   count >= spike_height * previous; fires as soon as reached (counts only grow).
//   down: count <= previous / spike_height; known only when the window closes (its end
//         plus grace), so it fires from the timer, also when no event comes at all.
// Both need previous >= threshold_ref and count >= threshold_cur, and a previous window
// the group was watched for in full (a group first seen mid-window has no reference yet).
// A window is final only once event time passed its end plus grace: late matches count in
// it until then, and matches of the window after it are held in `next_count` meanwhile
// (an up spike there is judged when it becomes the current window). A match whose window
// closed already changes nothing but the reference (when it is the previous window).
#include <algorithm>
#include <cstdio>

#include "alert/rule_types.h"

namespace klaxon {

namespace {

int64_t window_of(int64_t t, int64_t timeframe) {
  int64_t w = t / timeframe * timeframe;
  return t < 0 && w != t ? w - timeframe : w;  // floor, also before 1970
}

bool reference_complete(const GroupState& g, int64_t timeframe) {
  return g.since_ms <= g.window_start_ms - timeframe;
}

bool up_spike(const Rule& r, const GroupState& g, int64_t timeframe) {
  return r.spike_type != SpikeDirection::down && reference_complete(g, timeframe) &&
         static_cast<int64_t>(g.previous_count) >= r.threshold_ref &&
         static_cast<int64_t>(g.window_count) >= r.threshold_cur &&
         static_cast<double>(g.window_count) >=
             r.spike_height * static_cast<double>(g.previous_count);
}

bool down_spike(const Rule& r, const GroupState& g, int64_t timeframe) {
  return r.spike_type != SpikeDirection::up && reference_complete(g, timeframe) &&
         static_cast<int64_t>(g.previous_count) >= r.threshold_ref &&
         static_cast<int64_t>(g.window_count) >= r.threshold_cur &&
         static_cast<double>(g.window_count) * r.spike_height <=
             static_cast<double>(g.previous_count);
}

std::string ratio_text(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", ratio);
  return buf;
}

// Fires unless realert holds it back; marks the window as alerted either way.
void fire(const Rule& r, GroupState& g, int64_t at, std::string_view direction, bool by_match,
          std::vector<Firing>& fired) {
  const int64_t timeframe = r.timeframe.count();
  g.window_alerted = true;
  if (!logic::realert_allows(at, g.last_alert_ms, r.realert.count())) {
    ++g.suppressed;
    return;
  }
  Firing f;
  f.at_ms = at;
  f.window_start_ms = g.window_start_ms;
  f.window_end_ms = g.window_start_ms + timeframe;
  f.count = g.window_count;
  f.reference_count = g.previous_count;
  f.suppressed = g.suppressed;
  f.direction = direction;
  f.by_match = by_match;
  f.request_ids = std::move(g.request_ids);
  g.request_ids.clear();
  std::string ratio = g.previous_count == 0 ? std::string("from none")
                                            : ratio_text(static_cast<double>(g.window_count) /
                                                         static_cast<double>(g.previous_count)) +
                                                  "x";
  f.condition = "spike " + std::string(direction) + ": " + std::to_string(g.window_count) +
                " matches in this " + logic::duration_text(timeframe) + " window against " +
                std::to_string(g.previous_count) + " in the previous one (" + ratio +
                ", spike_height " + ratio_text(r.spike_height) + ")";
  g.suppressed = 0;
  g.last_alert_ms = at;
  fired.push_back(std::move(f));
}

// Closes the current window (a down spike is decided now) and opens the next one, with
// the matches it already holds (an up spike among them is decided now too).
void close_window(const Rule& r, GroupState& g, std::vector<Firing>& fired) {
  const int64_t timeframe = r.timeframe.count();
  if (!g.window_alerted && down_spike(r, g, timeframe))
    fire(r, g, g.window_start_ms + timeframe, "down", false, fired);
  g.previous_count = g.window_count;
  g.window_count = g.next_count;
  g.next_count = 0;
  g.window_start_ms += timeframe;
  g.window_alerted = false;
  if (g.window_count > 0 && up_spike(r, g, timeframe))
    fire(r, g, g.window_start_ms, "up", false, fired);
}

// Closes windows until the one starting at `w` is current. Over a run of empty windows
// nothing can fire, so it jumps.
void advance_to(const Rule& r, GroupState& g, int64_t w, std::vector<Firing>& fired) {
  while (g.window_start_ms < w) {
    if (g.window_count == 0 && g.previous_count == 0 && g.next_count == 0) {
      g.window_start_ms = w;
      g.window_alerted = false;
      return;
    }
    close_window(r, g, fired);
  }
}

}  // namespace

void SpikeLogic::on_match(const Rule& r, GroupState& g, bool fresh, int64_t t,
                          const std::vector<std::string>& ids, const LogicOptions& options,
                          std::vector<Firing>& fired) const {
  const int64_t timeframe = r.timeframe.count();
  const int64_t w = window_of(t, timeframe);
  if (fresh) {
    g.first_seen_ms = g.last_seen_ms = g.since_ms = t;
    g.window_start_ms = w;
  }
  ++g.count;
  g.first_seen_ms = std::min(g.first_seen_ms, t);
  g.last_seen_ms = std::max(g.last_seen_ms, t);
  if (w < g.window_start_ms) {
    // Late: it still counts in the previous window; older ones can change nothing.
    if (w == g.window_start_ms - timeframe) ++g.previous_count;
    return;
  }
  // Windows whose end and grace passed before this match are final.
  advance_to(r, g, std::min(w, window_of(t - options.grace_ms, timeframe)), fired);
  if (w > g.window_start_ms + timeframe)
    advance_to(r, g, w - timeframe, fired);  // grace > timeframe
  if (w > g.window_start_ms) {               // the current window is still in its grace
    ++g.next_count;
    logic::merge_ids(g.request_ids, ids, options.max_request_ids);
    return;
  }
  ++g.window_count;
  logic::merge_ids(g.request_ids, ids, options.max_request_ids);
  if (!g.window_alerted && up_spike(r, g, timeframe)) fire(r, g, t, "up", true, fired);
}

void SpikeLogic::on_time(const Rule& r, GroupState& g, int64_t now, const LogicOptions& options,
                         std::vector<Firing>& fired) const {
  // Close every window whose end plus grace has passed.
  int64_t open = window_of(now - options.grace_ms, r.timeframe.count());
  advance_to(r, g, std::max(open, g.window_start_ms), fired);
}

int64_t SpikeLogic::next_due(const Rule& r, const GroupState& g,
                             const LogicOptions& options) const {
  return g.window_start_ms + r.timeframe.count() + options.grace_ms;
}

bool SpikeLogic::expired(const Rule& r, const GroupState& g, int64_t now,
                         const LogicOptions&) const {
  return g.window_count == 0 && g.previous_count == 0 && g.next_count == 0 &&
         logic::at_least(now, g.last_alert_ms, r.realert.count());
}

}  // namespace klaxon
