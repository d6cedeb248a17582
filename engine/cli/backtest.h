// Backtest: what `klaxon rules test` runs. Feeds recorded records through the engine's own
// RuleRunner (same decoder, matcher, rule types and evaluator) in event time, with a
// throwaway state store, so what it reports is what the engine would have fired.
//
// Event time: a JSON event's @timestamp; a plain log line's own timestamp (plain mode, see
// core/log_time.h); otherwise the record's Kafka timestamp; and failing all of those the
// previous record's time. At the end, time advances to `to` (or the last event), so a
// flatline that began before the input ended fires.
// Thread: one thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/rule_runner.h"

namespace klaxon {

struct BacktestOptions {
  RuleRunnerOptions runner;
  std::optional<int64_t> from_ms;  // events before this are skipped
  std::optional<int64_t> to_ms;    // events after this are skipped; time ends here
  bool plain = false;              // every record is a plain log line
};

struct BacktestTotals {
  uint64_t records = 0;
  uint64_t events = 0;                      // evaluated
  uint64_t outside = 0;                     // outside from/to
  std::map<std::string, uint64_t> invalid;  // by reason
  int64_t first_ms = 0, last_ms = 0;        // event times evaluated
  int64_t end_ms = 0;                       // where time stopped
};

class Backtest {
 public:
  // `state_dir`: an empty directory of the caller's, used for the run's state.
  Backtest(const std::shared_ptr<const Matcher>& matcher, const std::string& state_dir,
           BacktestOptions options, RuleRunner::EmitFn on_alert);
  ~Backtest();

  // One record. `kafka_timestamp_ms`: 0 when it did not come from Kafka.
  void feed(std::string_view record, std::string_view topic, int32_t partition, int64_t offset,
            int64_t kafka_timestamp_ms);
  // Advances time to the end and lets what fell due fire.
  void finish();

  const BacktestTotals& totals() const { return totals_; }
  const Matcher& matcher() const { return runner_->matcher(); }
  // Per rule of matcher(), over the whole run.
  const RuleCounters& counters() { return runner_->counters(); }

 private:
  void commit();

  BacktestOptions options_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<RuleRunner> runner_;
  BacktestTotals totals_;
  int64_t previous_ms_ = 0;
  uint64_t since_commit_ = 0;
};

}  // namespace klaxon
