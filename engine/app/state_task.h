// StateTask: the state stage of one state partition. Applies match records (from the
// repartition topic, or straight from the match stage in a backtest) to the rules' group
// state in that partition's StateStore, runs the partition's timers as its time passes,
// and puts the alerts that fire into the store's outbox (same batch as the state change).
//
// Time: each partition has its own stream time, the newest event time among its records
// (an event stamped more than a minute in the future does not move it). Before a record's
// newer time takes effect, what fell due before it runs first. Stream time is kept in the
// store with the state it belongs to (and so in the changelog): a partition reopened on
// this pod or restored on another resumes at its own time, however far behind the wall
// clock, and never starts over at the wall clock's.
// Rule sets: a record names its rules by state id; one a reload retired is still applied
// under the retired rule (see use_rules), and only a rule unknown to both is dropped, counted
// and reported through the listener.
// Replays: each record names the input record it came from; one whose input offset is at
// or below the newest applied for that input partition is skipped (a redelivery after a
// crash or rebalance, or a match produced twice), so a record is applied at most once.
//
// Thread: one thread. Rules are swapped between batches (use_rules).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "alert/alert.h"
#include "alert/evaluator.h"
#include "core/clock.h"
#include "match/match_record.h"
#include "state/state_store.h"

namespace klaxon {

struct StateTaskOptions {
  LogicOptions logic;
  AlertOptions alert;
  int32_t partition = 0;
  int32_t partitions = 1;  // state partitions in all: which standing groups are this one's
  std::vector<std::string> default_channels;  // for rules without `notify`
  // Alerts further behind the wall clock than this go to the alerts topic only; 0: off.
  std::chrono::milliseconds max_notify_age{0};
  const Clock* clock = nullptr;  // the wall clock it judges event times by; null: the system's
};

class StateTask {
 public:
  struct Listener {
    std::function<void(const Rule&, const Alert&)> alert;  // fired (already in the outbox)
    std::function<void(const Rule&)> suppressed;           // held back by realert
    // A match of a rule that is neither active nor retired (dropped): its state id.
    std::function<void(std::string_view state_id)> dropped;
    // Fired, but too far behind the wall clock (max_notify_age) for the channels it names.
    std::function<void(const Alert&, const std::vector<std::string>& channels, int64_t now_ms)>
        too_old_to_notify;
  };

  StateTask(StateStore& store, StateTaskOptions options, Listener listener);

  // `rules` (and `retired`) must stay valid until the next call. `retired`: rules of earlier
  // sets that the active one no longer has (removed, renamed, changed identity). A match
  // produced under such a rule and arriving after the swap (in flight in the repartition
  // topic) is applied under it, not lost; may be null.
  void use_rules(const RulesByStateId* rules, const RulesByStateId* retired = nullptr);
  // Applies one record; false when it was applied before (skipped).
  bool apply(const MatchRecord& record);
  // Moves stream time to `event_time_ms` (when newer), running what fell due before it.
  void observe_time(int64_t event_time_ms);
  // Runs the timers due by `now` (event time); see Evaluator::advance.
  void advance(int64_t now);
  // Writes the batch's group state into the store's batch / forgets it.
  void flush();
  void discard();

  // The newest event time applied, restored with the store: 0 only for a partition that
  // never applied a record (its time is then the wall clock's, see Pipeline).
  int64_t stream_time() const { return stream_time_ms_; }
  uint64_t unknown_rules() const { return unknown_rules_; }
  // Alerts put in the outbox since take_new_alerts() was last called.
  std::vector<OutboxEntry> take_new_alerts() { return std::move(new_alerts_); }
  StateStore& store() { return store_; }

 private:
  int64_t wall_ms() const { return options_.clock ? options_.clock->wall_ms() : now_ms(); }
  void emit(const Rule& rule, std::string_view group_key, const Firing& firing,
            const Sample* sample);
  bool seen(const Sample& sample);

  StateStore& store_;
  StateTaskOptions options_;
  Listener listener_;
  Evaluator evaluator_;
  const RulesByStateId* rules_ = nullptr;
  const RulesByStateId* retired_ = nullptr;
  int64_t stream_time_ms_ = 0;
  int64_t stored_stream_time_ms_ = 0;  // as the store holds it
  uint64_t unknown_rules_ = 0;
  std::vector<OutboxEntry> new_alerts_;
  // Newest input offset applied per input partition in this batch ("topic\x1fpartition").
  std::unordered_map<std::string, int64_t> batch_applied_;
  std::vector<Firing> fired_;
  std::vector<std::string> request_ids_;
  std::string key_;
};

}  // namespace klaxon
