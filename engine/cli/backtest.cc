#include "cli/backtest.h"

#include <climits>
#include <stdexcept>

#include "core/log_time.h"

namespace klaxon {

namespace {
// Records between commits of the throwaway store: keeps its write batch small.
constexpr uint64_t kCommitEvery = 20'000;
}  // namespace

Backtest::Backtest(const std::shared_ptr<const Matcher>& matcher, const std::string& state_dir,
                   BacktestOptions options, RuleRunner::EmitFn on_alert)
    : options_(std::move(options)) {
  StateOptions state;
  state.dir = state_dir;
  state.sync = false;  // thrown away at the end
  store_ = std::make_unique<StateStore>(state);
  RuleRunnerOptions runner = options_.runner;
  runner.plain = options_.plain;
  if (options_.from_ms || options_.to_ms) {
    runner.accept_from_ms = options_.from_ms.value_or(INT64_MIN);
    runner.accept_to_ms = options_.to_ms.value_or(INT64_MAX);
  }
  runner_ = std::make_unique<RuleRunner>(matcher, *store_, runner, std::move(on_alert));
}

Backtest::~Backtest() = default;

void Backtest::feed(std::string_view record, std::string_view topic, int32_t partition,
                    int64_t offset, int64_t kafka_timestamp_ms) {
  ++totals_.records;
  int64_t fallback = kafka_timestamp_ms > 0 ? kafka_timestamp_ms : previous_ms_;
  if (options_.plain) {
    if (auto t = find_log_timestamp_ms(record)) fallback = *t;
  }
  SourceRef source{topic, partition, offset, fallback};
  uint64_t outside_before = runner_->skipped_outside();
  DecodeError e = runner_->process(record, source);
  if (e != DecodeError::none) {
    ++totals_.invalid[std::string(to_string(e))];
  } else if (runner_->skipped_outside() > outside_before) {
    ++totals_.outside;
  } else {
    int64_t t = runner_->last_event_time();
    if (totals_.events == 0 || t < totals_.first_ms) totals_.first_ms = t;
    if (totals_.events == 0 || t > totals_.last_ms) totals_.last_ms = t;
    ++totals_.events;
  }
  if (e == DecodeError::none) previous_ms_ = runner_->last_event_time();
  if (++since_commit_ >= kCommitEvery) commit();
}

void Backtest::finish() {
  totals_.end_ms = options_.to_ms.value_or(runner_->stream_time());
  runner_->advance(totals_.end_ms);
  commit();
}

void Backtest::commit() {
  since_commit_ = 0;
  runner_->flush();
  if (rocksdb::Status s = store_->commit_batch(); !s.ok())
    throw std::runtime_error("backtest state store write failed: " + s.ToString());
}

}  // namespace klaxon
