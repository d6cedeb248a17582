// Evaluator: applies matches and the passage of time to the rules' group state, using each
// rule type's RuleLogic (rule_logic.h), and decides which alerts fire.
//
// State lives in the StateStore under (rule state id, group key); each group has at most one
// timer there (a key ordered by due time), which drives what happens without a match:
// flatline and spike-down firing, and forgetting expired groups (no unbounded growth).
// A timer whose rule no longer exists (removed, or its identity changed in a reload) deletes
// its group: state is kept exactly for rules whose state id is unchanged.
//
// Decoded groups are cached for the current batch; flush() writes them into the store's
// batch, which the caller then commits (or discard() drops them with a failed batch).
//
// Thread: the pipeline thread only. The rules passed in must outlive the call.
#pragma once

#include <climits>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "alert/rule_logic.h"
#include "state/state_store.h"

namespace klaxon {

// The active rules by state id, for timers (which know only the stored key).
using RulesByStateId = std::unordered_map<std::string, const Rule*>;

class Evaluator {
 public:
  using FiredFn = std::function<void(const Rule&, std::string_view group_key, const Firing&)>;
  // Whether a group belongs to this evaluator's state partition; decides which standing
  // groups (flatline grouped by rule) it creates. Null: all of them.
  using OwnsFn = std::function<bool(std::string_view state_id, std::string_view group_key)>;

  Evaluator(StateStore& store, LogicOptions options, OwnsFn owns = {});

  // The active rules, by state id (for timers, which know only the stored key). `rules`
  // and the Rules it points to must stay valid until the next use_rules.
  // `retired` (may be null): rules a reload replaced, whose groups' timers still run while
  // the set is kept (the matches it produced may still arrive); after that, such a group
  // is deleted at its next timer.
  void use_rules(const RulesByStateId* rules, const RulesByStateId* retired = nullptr);

  // Applies one match of `rule` (whose state id is `state_id`); appends what fires.
  // Returns true when realert held back what would have fired (counted as suppressed).
  bool on_match(const Rule& rule, std::string_view state_id, std::string_view group_key,
                int64_t event_time_ms, const std::vector<std::string>& request_ids,
                std::vector<Firing>& fired);

  // Time reached `now`: runs every timer due by then, each at its due time (at most
  // `max_timers`, the rest on the next call), and reports what fires. First creates the
  // groups that must exist before any match (a flatline grouped by rule is watched from the
  // moment its rule is active). Cheap when nothing is due: the earliest timer is remembered.
  void advance(int64_t now, const FiredFn& fired, size_t max_timers = 10'000);

  // The newest last_seen_ms among the stored groups (0 when none): the stream time of a
  // store written before stream time was kept with the state. Reads every group.
  int64_t newest_last_seen();

  // Writes the cached groups and their count into the store's current batch.
  void flush();
  // Forgets the cached groups (the store's batch is being discarded).
  void discard();

  const LogicOptions& options() const { return options_; }

 private:
  struct Cached {
    GroupState state;
    bool stored = false;  // the store holds the key (before this batch)
    bool dirty = false;
    bool erased = false;
  };
  static constexpr int64_t kUnknown = INT64_MIN;

  Cached& load(const std::string& key, bool& fresh);
  void save(const Rule& rule, const std::string& key, Cached& group);
  void activate(int64_t now);
  void run_timers(const std::vector<std::string>& due, const FiredFn& fired,
                  std::vector<Firing>& out);
  int64_t earliest_timer();

  StateStore& store_;
  LogicOptions options_;
  OwnsFn owns_;
  const RulesByStateId* rules_ = nullptr;
  const RulesByStateId* retired_ = nullptr;
  std::vector<const Rule*> standing_;          // flatline rules grouped by rule
  std::unordered_set<std::string> activated_;  // state ids whose standing group exists
  int64_t earliest_timer_ = kUnknown;          // no timer is due before this
  std::unordered_map<std::string, Cached> cache_;
  std::string key_;
  std::string value_;
};

}  // namespace klaxon
