// RuleLogic: what each rule type decides, given one group's state. Pure functions of the
// rule, the state and event time, so every type is unit-tested with a manual clock; the
// Evaluator (evaluator.h) loads and saves the state and runs the timers.
//
// Time is event time (@timestamp, ms). `now` in on_time is the engine's stream time, or the
// wall clock while the consumer is caught up (see Evaluator), so a flatline fires even when
// no event arrives.
//
// Per type (fields of GroupState used):
//   any       every match alerts unless the group alerted within `realert`; suppressed
//             matches are counted and reported by the next alert. A late match (older
//             than the last alert) is judged against the alerts around it: `times` keeps
//             the group's earlier alerts.
//   frequency `times` holds the group's matches within `timeframe` of the newest (sliding,
//             as ElastAlert); reaching `num_events` fires and empties it.
//   flatline  `times` holds the latest `threshold` matches; when fewer than `threshold`
//             fall within the last `timeframe` (and the group was watched that long), it
//             fires once, again every `realert` while still flat, and recovers on traffic.
//   spike     tumbling windows of `timeframe` aligned on event time; the current window's
//             count against the previous one's: up fires as soon as it is reached, down when
//             the window closes (its end + grace), also when no event comes at all.
//   new_term  fires for a group key not seen within `terms_window`.
// Thread: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match/rule.h"
#include "state/group_state.h"

namespace klaxon {

// An evaluator's decision to alert.
struct Firing {
  int64_t at_ms = 0;             // event time it fired at
  int64_t window_start_ms = 0;   // start of what it reports; names the alert (alert id)
  int64_t window_end_ms = 0;     // end of what it reports
  uint64_t count = 0;            // what the condition counted (see each type)
  uint64_t reference_count = 0;  // spike: the previous window's count
  uint64_t suppressed = 0;       // what realert held back since the group's previous alert
  std::string_view direction;    // spike: "up" or "down"
  bool by_match = false;         // fired by a match (its event is the sample) or by time
  std::vector<std::string> request_ids;
  std::string condition;      // why it fired, for people
  int64_t first_seen_ms = 0;  // the group's first and latest match (set by the Evaluator)
  int64_t last_seen_ms = 0;
};

struct LogicOptions {
  size_t max_request_ids = 10;  // request ids an alert carries, at most
  int64_t grace_ms = 0;         // how late an event may be and still count in its window
};

class RuleLogic {
 public:
  virtual ~RuleLogic() = default;
  // A match of the group at event time t carrying `ids` (its request ids). `fresh`: the
  // group had no state (state is default-constructed). Appends what fires to `fired`.
  virtual void on_match(const Rule& rule, GroupState& state, bool fresh, int64_t t,
                        const std::vector<std::string>& ids, const LogicOptions& options,
                        std::vector<Firing>& fired) const = 0;
  // Time reached `now`; the group's timer was due. Appends what fires to `fired`.
  virtual void on_time(const Rule& rule, GroupState& state, int64_t now,
                       const LogicOptions& options, std::vector<Firing>& fired) const = 0;
  // When on_time must next run (ms); INT64_MAX for never.
  virtual int64_t next_due(const Rule& rule, const GroupState& state,
                           const LogicOptions& options) const = 0;
  // True when the group holds nothing worth keeping at `now`; it is then deleted.
  virtual bool expired(const Rule& rule, const GroupState& state, int64_t now,
                       const LogicOptions& options) const = 0;
};

const RuleLogic& logic_for(RuleType type);

// Groups nobody has matched for this long are forgotten (any, frequency), unless their
// rule needs them longer (realert, timeframe).
inline constexpr int64_t kIdleRetentionMs = 24 * 3600 * 1000LL;

// Shared helpers of the rule types.
namespace logic {
// Appends the ids `ids` does not hold yet, while it has room.
void merge_ids(std::vector<std::string>& ids, const std::vector<std::string>& add, size_t max);
// t - since >= span, without overflow.
bool at_least(int64_t t, int64_t since, int64_t span);
// Whether a group that last alerted at `last_alert` may alert at `t`: it never did, its
// `realert` passed, or realert is 0 (never quiet: every firing alerts, also one whose event
// time is older than the last alert's, as out-of-order partitions deliver them).
bool realert_allows(int64_t t, int64_t last_alert, int64_t realert);
// Human form of a duration (core/text.h): 90s -> "1m30s", 40192ms -> "40.2s".
std::string duration_text(int64_t ms);
}  // namespace logic

}  // namespace klaxon
