// RuleRunner: one record through decode -> match -> evaluate -> alert, and the passage of
// event time. The live Pipeline and `klaxon rules test` (the backtest) both run records
// through it, so a backtest decides exactly what the engine would.
//
// It keeps stream time (the newest event time seen; an event stamped more than a minute in
// the future does not move it) and per-rule counters the caller reads and resets.
// Alerts go to the `emit` callback; state changes stay in the Evaluator's cache and the
// store's batch until the caller flushes and commits (or discards) them.
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
#include "alert/evaluator.h"
#include "decode/decoder.h"
#include "match/matcher.h"
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

// Per rule index of the active matcher, since the last reset.
struct RuleCounters {
  std::vector<uint64_t> matches, alerts, suppressed;
  void reset(size_t rules);
};

class RuleRunner {
 public:
  using EmitFn = std::function<void(const Alert&)>;

  RuleRunner(std::shared_ptr<const Matcher> matcher, StateStore& store, RuleRunnerOptions options,
             EmitFn emit);

  // Decodes and evaluates one record. On a decode error nothing else happens; detail()
  // says what was wrong.
  DecodeError process(std::string_view payload, const SourceRef& source);
  // Runs the timers due by `now` (event time); see Evaluator::advance.
  void advance(int64_t now);
  // Writes the batch's group state into the store's batch / forgets it.
  void flush() { evaluator_.flush(); }
  void discard() { evaluator_.discard(); }

  // Activates another rule set (state is kept for rules whose state id is unchanged).
  // Counters are reset for the new rules.
  void use_rules(std::shared_ptr<const Matcher> matcher);

  const Matcher& matcher() const { return *matcher_; }
  const std::shared_ptr<const Matcher>& matcher_ptr() const { return matcher_; }
  int64_t stream_time() const { return stream_time_ms_; }
  // Event time of the last record decoded.
  int64_t last_event_time() const { return event_.timestamp_ms; }
  // Events not evaluated because they were outside the accepted time range.
  uint64_t skipped_outside() const { return skipped_outside_; }
  const std::string& detail() const { return decoder_->detail(); }
  RuleCounters& counters() { return counters_; }

 private:
  void emit(const Rule& rule, std::string_view group_key, const Firing& firing, const Event* event);

  std::shared_ptr<const Matcher> matcher_;
  RuleRunnerOptions options_;
  EmitFn emit_;
  Evaluator evaluator_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<Matcher::Scratch> scratch_;
  RulesByStateId rules_by_state_id_;
  std::vector<std::string> state_ids_;  // per rule index
  RuleCounters counters_;
  int64_t stream_time_ms_ = 0;
  uint64_t skipped_outside_ = 0;

  // Per-record scratch, reused.
  Event event_;
  std::vector<Match> matches_;
  std::vector<Firing> fired_;
  std::vector<std::string> request_ids_;
};

}  // namespace klaxon
