// GroupState: what the state store keeps for one (rule, group key). One struct serves every
// rule type (see engine/alert/rule_logic.h for who uses which field); the codec writes
// only varints, so unused fields cost a byte each.
// Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace klaxon {

struct GroupState {
  uint64_t count = 0;       // matches since the group was first seen
  uint64_t suppressed = 0;  // matches since the last alert that did not alert
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t last_alert_ms = 0;             // when the group last alerted; 0 = never
  std::vector<std::string> request_ids;  // distinct ids since the last alert, bounded
  // frequency: event times inside the timeframe (sorted, at most num_events);
  // flatline: the latest `threshold` event times (sorted).
  std::vector<int64_t> times;
  int64_t since_ms = 0;         // flatline: watched since (the window cannot be flat before)
  bool firing = false;          // flatline: alerted and not yet recovered
  int64_t window_start_ms = 0;  // spike: start of the current window
  uint64_t window_count = 0;    // spike: matches in the current window
  uint64_t next_count = 0;      // spike: matches in the window after it, while it is in grace
  uint64_t previous_count = 0;  // spike: matches in the window before it
  bool window_alerted = false;  // spike: the current window already fired
  int64_t timer_due_ms = 0;     // the one registered timer of this group; 0 = none

  bool operator==(const GroupState&) const = default;
};

}  // namespace klaxon
