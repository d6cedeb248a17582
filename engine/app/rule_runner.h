// RuleRunner: one record through the match stage and the state stage in process, with one
// state partition: what `klaxon rules test` (the backtest) runs. The live Pipeline runs the
// same two stages with the repartition topic between them, so a backtest decides what the
// engine would: every match record is encoded and decoded exactly as it travels there.
//
// Time: here every decoded event moves stream time (in the engine each state partition
// sees only its matches' times, plus the wall clock while caught up); what fires and when
// (event time) is the same, since timers run at their own due time.
// Alerts go to the `emit` callback; state changes stay in the store's batch until the
// caller flushes and commits (or discards) them.
//
// Thread: one thread. The matcher may be swapped between records (use_rules).
#pragma once

#include <climits>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alert/alert.h"
#include "app/match_stage.h"
#include "app/state_task.h"
#include "config/config.h"
#include "state/state_store.h"

namespace klaxon {

struct RuleRunnerOptions {
  size_t max_event_bytes = 1 << 20;
  bool plain = false;  // every record is a plain log line (see DecodeOptions::plain)
  // Events outside [accept_from_ms, accept_to_ms] (event time) are decoded, not evaluated.
  int64_t accept_from_ms = INT64_MIN;
  int64_t accept_to_ms = INT64_MAX;
  LogicOptions logic;
  AlertOptions alert;
  std::vector<std::string> request_id_keys;
};

// From the config's decode, state and alert sections: what `run` and `rules test` share.
RuleRunnerOptions rule_runner_options(const Config& config);

// Per rule index of the active matcher, since the last reset.
struct RuleCounters {
  std::vector<uint64_t> matches, alerts, suppressed;
  void reset(size_t rules);
};

// The active rules by state id, for a rule set (RulesByStateId points into the matcher).
struct ActiveRules {
  std::shared_ptr<const Matcher> matcher;
  RulesByStateId by_state_id;
  explicit ActiveRules(std::shared_ptr<const Matcher> m);
  size_t index_of(const Rule& rule) const {
    return static_cast<size_t>(&rule - matcher->rules().data());
  }
  // `rule` is one of this set's (not of a retired set's).
  bool contains(const Rule& rule) const {
    const auto& all = matcher->rules();
    std::less<const Rule*> before;  // total order, also across unrelated arrays
    return !all.empty() && !before(&rule, all.data()) && before(&rule, all.data() + all.size());
  }
};

MatchStageOptions match_stage_options(const RuleRunnerOptions& options, int32_t partitions);

class RuleRunner {
 public:
  using EmitFn = std::function<void(const Alert&)>;

  RuleRunner(const std::shared_ptr<const Matcher>& matcher, StateStore& store,
             const RuleRunnerOptions& options, EmitFn emit);

  // Decodes and evaluates one record. On a decode error nothing else happens; detail()
  // says what was wrong.
  DecodeError process(std::string_view payload, const SourceRef& source);
  // Runs the timers due by `now` (event time); see Evaluator::advance.
  void advance(int64_t now) { task_.advance(now); }
  void flush() { task_.flush(); }
  void discard() { task_.discard(); }

  // Activates another rule set (state is kept for rules whose state id is unchanged).
  // Counters are reset for the new rules.
  void use_rules(std::shared_ptr<const Matcher> matcher);

  const Matcher& matcher() const { return *rules_->matcher; }
  int64_t stream_time() const { return task_.stream_time(); }
  // Event time of the last record decoded.
  int64_t last_event_time() const { return match_.event().timestamp_ms; }
  // Events not evaluated because they were outside the accepted time range.
  uint64_t skipped_outside() const { return skipped_outside_; }
  const std::string& detail() const { return match_.detail(); }
  RuleCounters& counters();

 private:
  std::unique_ptr<ActiveRules> rules_;
  MatchStage match_;
  StateTask task_;
  RuleCounters counters_;
  uint64_t skipped_outside_ = 0;
  std::vector<RoutedRecord> routed_;
  MatchRecord record_;
};

}  // namespace klaxon
