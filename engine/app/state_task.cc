#include "app/state_task.h"

#include <chrono>

#include "core/time.h"

namespace klaxon {

namespace {
// An event stamped further in the future than this does not move stream time: one bad
// clock must not expire every window.
constexpr int64_t kMaxFutureSkewMs = 60'000;
}  // namespace

StateTask::StateTask(StateStore& store, StateTaskOptions options, Listener listener)
    : store_(store),
      options_(std::move(options)),
      listener_(std::move(listener)),
      evaluator_(store, options_.logic,
                 [p = options_.partition, n = options_.partitions](std::string_view state_id,
                                                                   std::string_view group) {
                   return state_partition(state_id, group, n) == p;
                 }) {
  if (std::optional<int64_t> t = store_.stream_time()) {
    stream_time_ms_ = stored_stream_time_ms_ = *t;
  } else if (store_.estimated_groups() > 0) {
    // Written by a version that did not keep stream time: the groups tell.
    stream_time_ms_ = evaluator_.newest_last_seen();
  }
}

void StateTask::use_rules(const RulesByStateId* rules, const RulesByStateId* retired) {
  rules_ = rules;
  retired_ = retired;
  evaluator_.use_rules(rules, retired);
}

bool StateTask::seen(const Sample& sample) {
  // Not from Kafka (a file's line): nothing to recognise.
  if (sample.source.partition < 0 || sample.source.offset < 0) return false;
  key_.assign(sample.source.topic);
  key_.push_back('\x1f');
  key_ += std::to_string(sample.source.partition);
  auto [it, inserted] = batch_applied_.try_emplace(key_, -1);
  if (inserted) it->second = store_.applied_offset(sample.source.topic, sample.source.partition);
  if (sample.source.offset <= it->second) return true;
  it->second = sample.source.offset;
  store_.stage_offset(sample.source.topic, sample.source.partition, sample.source.offset);
  return false;
}

void StateTask::observe_time(int64_t event_time_ms) {
  if (event_time_ms <= stream_time_ms_ || event_time_ms > wall_ms() + kMaxFutureSkewMs) return;
  // Whatever fell due before this event happened first (a flatline that began before it).
  advance(event_time_ms - 1);
  stream_time_ms_ = event_time_ms;
}

bool StateTask::apply(const MatchRecord& record) {
  if (seen(record.sample)) return false;
  observe_time(record.event_time_ms);
  request_ids_.assign(record.request_ids.begin(), record.request_ids.end());
  for (const MatchEntry& entry : record.entries) {
    std::string state_id(entry.state_id);
    auto it = rules_->find(state_id);
    if (it == rules_->end() && retired_ != nullptr) {  // reloaded away since the match
      it = retired_->find(state_id);
      if (it == retired_->end()) it = rules_->end();
    }
    if (it == rules_->end()) {
      ++unknown_rules_;
      if (listener_.dropped) listener_.dropped(entry.state_id);
      continue;
    }
    const Rule& rule = *it->second;
    fired_.clear();
    if (evaluator_.on_match(rule, entry.state_id, entry.group_key, record.event_time_ms,
                            request_ids_, fired_) &&
        listener_.suppressed)
      listener_.suppressed(rule);
    for (const Firing& f : fired_)
      emit(rule, entry.group_key, f, f.by_match ? &record.sample : nullptr);
  }
  return true;
}

void StateTask::advance(int64_t now) {
  evaluator_.advance(now, [this](const Rule& rule, std::string_view group_key, const Firing& f) {
    emit(rule, group_key, f, nullptr);
  });
}

void StateTask::flush() {
  evaluator_.flush();
  if (stream_time_ms_ != stored_stream_time_ms_) {
    store_.stage_stream_time(stream_time_ms_);
    stored_stream_time_ms_ = stream_time_ms_;
  }
  batch_applied_.clear();
}

void StateTask::discard() {
  evaluator_.discard();
  // The discarded records will come again: time goes back to what the store holds.
  if (std::optional<int64_t> t = store_.stream_time()) stream_time_ms_ = *t;
  stored_stream_time_ms_ = store_.stream_time().value_or(0);
  batch_applied_.clear();
  new_alerts_.clear();
}

void StateTask::emit(const Rule& rule, std::string_view group_key, const Firing& firing,
                     const Sample* sample) {
  Alert alert = make_alert(options_.alert, rule, group_key, firing, sample);
  OutboxEntry entry;
  entry.alert_id = alert.id;
  entry.key = alert_key(alert);
  entry.document = to_json(alert);
  entry.channels = rule.notify ? *rule.notify : options_.default_channels;
  entry.queued_ms = wall_ms();
  // History is judged by the later of the event's time and when it reached Kafka: a live
  // log whose timestamps are hours off (a wrong zone, a skewed host) still pages.
  int64_t newest = std::max(alert.event_time_ms, sample ? sample->source.kafka_timestamp_ms : 0);
  if (options_.max_notify_age.count() > 0 && !entry.channels.empty() &&
      entry.queued_ms - newest > options_.max_notify_age.count()) {
    if (listener_.too_old_to_notify)
      listener_.too_old_to_notify(alert, entry.channels, entry.queued_ms);
    entry.channels.clear();
  }
  store_.stage_alert(entry);
  new_alerts_.push_back(std::move(entry));
  if (listener_.alert) listener_.alert(rule, alert);
}

}  // namespace klaxon
