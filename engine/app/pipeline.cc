#include "app/pipeline.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "app/sent_alerts.h"
#include "config/internal_topics.h"
#include "core/text.h"
#include "core/time.h"

namespace klaxon {

namespace {
constexpr auto kPeriodicInterval = std::chrono::seconds(5);
// How long a batch's alerts wait for the coordinator to confirm the pod's membership; no
// answer by then is no proof of removal, and they go.
constexpr auto kFenceTimeout = std::chrono::milliseconds(2000);
// How long a replaced rule set serves the matches it produced (in flight in the repartition
// topic at the swap: normally a few seconds; longer behind a backlog or a slow broker), and
// how many such sets at most.
constexpr auto kRetiredRulesKept = std::chrono::minutes(10);
constexpr size_t kRetiredSetsKept = 8;

// An alert's log line at the level its severity suggests, so log-based paging and
// `grep ERROR` see critical and error alerts as such.
spdlog::level::level_enum log_level_of(std::string_view severity) {
  if (severity == "critical") return spdlog::level::critical;
  if (severity == "error") return spdlog::level::err;
  if (severity == "info") return spdlog::level::info;
  return spdlog::level::warn;
}

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

// How often time advances when no record arrives (flatline and spike-down timers).
constexpr auto kIdleAdvanceInterval = std::chrono::seconds(1);
// Batches whose input offsets wait for Kafka's acknowledgements while the next are read;
// beyond this, reading waits. Bounds memory and what a crash makes the group read again.
constexpr size_t kMaxPendingInputBatches = 8;
// How long a poll may block while input offsets wait for acknowledgements.
constexpr auto kPendingPollTimeout = std::chrono::milliseconds(2);
// While the consumer is behind, state changes without a new alert are committed at most
// this often, not per poll batch: each commit waits for the changelog and writes the
// stores. New alerts are committed (and sent) at once; caught up, every batch commits.
constexpr auto kStateCommitInterval = std::chrono::milliseconds(100);

std::string describe(const std::vector<TopicPartition>& parts) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += ", ";
    s += p.topic + "/" + std::to_string(p.partition);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

Pipeline::Pipeline(const Config& config, const std::shared_ptr<const Matcher>& matcher,
                   const PipelineIo& io, PipelineProbe& probe, StateProbe& state_probe,
                   NewerRules newer_rules, Delivery delivery)
    : config_(config),
      newer_rules_(std::move(newer_rules)),
      producer_(io.sink),
      probe_(probe),
      state_probe_(state_probe),
      repartition_topic_(repartition_topic(config.kafka.group_id)),
      state_partitions_(io.state_partitions),
      cluster_id_(io.cluster_id),
      open_reader_(io.open_reader),
      clock_(io.clock),
      rules_(std::make_unique<ActiveRules>(matcher)),
      match_(matcher, match_stage_options(rule_runner_options(config), state_partitions_)),
      dead_letters_(producer_, config.kafka.dead_letter_topic, config.kafka.group_id,
                    dead_letter_value_limit(config.kafka.properties)),
      repartition_(producer_, repartition_topic_),
      publisher_(
          producer_, config.kafka.alerts_topic,
          [this](bool ok, int32_t partition, const std::string& id, const std::string& error) {
            if (ok) {
              ++stats_.alerts_delivered;
              probe_.alerts_delivered.Increment();
              partitions_->delivered(partition, id, kAlertsTopicTarget);
            } else {
              probe_.alerts_delivery_failed.Increment();
              spdlog::warn("alert {} not delivered to {}: {} (kept in the outbox, retried)", id,
                           config_.kafka.alerts_topic, error);
            }
          }),
      dispatcher_(delivery.dispatcher),
      notify_probe_(delivery.probe),
      silences_(delivery.silences),
      bad_match_log_limiter_(config.log.invalid_event_interval),
      dropped_log_limiter_(config.log.invalid_event_interval),
      too_old_log_limiter_(config.log.invalid_event_interval) {
  RuleRunnerOptions runner = rule_runner_options(config);
  StatePartitionsOptions so;
  so.state_dir = config.state.dir;
  so.group = config.kafka.group_id;
  so.sync = config.state.fsync();
  so.changelog = config.state.changelog;
  so.changelog_topic = changelog_topic(config.kafka.group_id);
  so.cluster_id = cluster_id_.empty() ? "unknown-cluster" : cluster_id_;
  so.restore.bootstrap_servers = config.kafka.bootstrap_servers;
  so.restore.properties = config.kafka.properties;
  so.restore.topic = so.changelog_topic;
  so.restore.open_reader = open_reader_;
  so.task = StateTaskOptions{runner.logic,
                             runner.alert,
                             0,
                             state_partitions_,
                             config.notify.default_channels,
                             config.alert.max_notify_age,
                             &clock_};
  so.flush_timeout = config.kafka.flush_timeout;
  so.memory_bytes = static_cast<size_t>(config.state.memory_mb) << 20;
  partitions_ = std::make_unique<StatePartitions>(
      so, producer_, state_probe,
      StateTask::Listener{
          [this](const Rule& rule, const Alert& alert) {
            if (rules_->contains(rule)) {
              ++alerts_per_rule_[rules_->index_of(rule)];
            } else {  // a retired rule's: counted under its name all the same
              ++retired_alerts_;
              probe_.resolve_rules({rule.name}).emitted[0]->Increment();
            }
            alerts_uncommitted_ = true;
            if (config_.alert.log_alerts)
              new_alert_lines_.push_back({log_level_of(alert.severity), to_log_line(alert)});
          },
          [this](const Rule& rule) {
            if (rules_->contains(rule)) {
              ++suppressed_per_rule_[rules_->index_of(rule)];
            } else {
              ++retired_suppressed_;
              probe_.resolve_rules({rule.name}).suppressed[0]->Increment();
            }
          },
          [this](std::string_view state_id) {
            ++stats_.matches_dropped;
            probe_.matches_dropped.Increment();
            uint64_t held_back = 0;
            if (dropped_log_limiter_.allow(now_ms(), held_back))
              spdlog::warn(
                  "a match of rule {} was dropped: no loaded rule set has it (removed or "
                  "renamed before a restart, or longer ago than retired sets are kept){}",
                  printable(state_id.substr(0, state_id.find('\x1f'))),
                  held_back ? fmt::format(" ({} more since the last report)", held_back)
                            : std::string());
          },
          [this](const Alert& alert, const std::vector<std::string>& channels, int64_t now) {
            probe_.alerts_too_old_to_notify.Increment();
            uint64_t held_back = 0;
            if (too_old_log_limiter_.allow(now_ms(), held_back))
              spdlog::warn(
                  "alert {} of rule {} fired at {}, {} behind the wall clock (more than "
                  "alert.max_notify_age, {}): written to {}, not sent to {}{}",
                  alert.id, printable(alert.rule), format_timestamp_ms(alert.event_time_ms),
                  human_duration(now - alert.event_time_ms),
                  format_duration(config_.alert.max_notify_age), config_.kafka.alerts_topic,
                  fmt::join(channels, ", "),
                  held_back ? fmt::format(" ({} more since the last report)", held_back)
                            : std::string());
          }});
  std::vector<std::string> names;
  for (const auto& r : rules_->matcher->rules()) names.push_back(r.name);
  probe_.set_rules(names);
  alerts_per_rule_.assign(names.size(), 0);
  suppressed_per_rule_.assign(names.size(), 0);
  latency_buckets_.assign(PipelineProbe::latency_buckets().size() + 1, 0);
  for (size_t i = 0; i <= std::size(kAllDecodeErrors); ++i)
    invalid_log_limiters_.emplace_back(config.log.invalid_event_interval);
  first_start_from_ms_ = config.kafka.first_start_from_ms;
  consumer_ = io.open_source(static_cast<ConsumerListener&>(*this));
  spdlog::info("consuming {} as group {} from {} (cluster {}), {}, {}, {}{}",
               fmt::join(config.kafka.topics, ","), config.kafka.group_id,
               config.kafka.bootstrap_servers, cluster_id_.empty() ? "id unknown" : cluster_id_,
               plural(names.size(), "rule"), plural(rules_->matcher->pattern_count(), "pattern"),
               plural(static_cast<uint64_t>(state_partitions_), "state partition"),
               config.state.changelog ? " backed by " + changelog_topic(config.kafka.group_id)
                                      : " (no changelog)");
}

Pipeline::~Pipeline() {
  // A run that ended in an exception left the consumer open: it is closed here, while the
  // pipeline is whole (its revocation calls back into it), and commits nothing more of the
  // broken batch. Messages still in flight carry callbacks into the members: dropped.
  if (fatal_.empty()) fatal_ = "stopped by an error";
  batch_.clear();  // its messages are the consumer's: freed before it closes
  if (consumer_) consumer_->close();
  producer_.drop_callbacks();
}

void Pipeline::run() {
  while (!stop_.load() && poll_once()) {
  }
  finish();
}

bool Pipeline::poll_once() {
  batch_.clear();
  consumer_->poll_batch(static_cast<size_t>(config_.kafka.batch_size),
                        pending_inputs_.empty()
                            ? config_.kafka.poll_timeout
                            : std::min(config_.kafka.poll_timeout, kPendingPollTimeout),
                        batch_);
  if (!fatal_.empty()) return false;
  producer_.poll(std::chrono::milliseconds(0));  // delivery reports
  store_acknowledged_inputs(false);
  collect_deliveries();
  take_newer_rules();
  if (!batch_.empty()) {
    process(batch_);
  } else if (state_uncommitted_ || clock_.steady() - last_advance_ >= kIdleAdvanceInterval ||
             partitions_->has_deliveries()) {
    // Nothing to read: changes deferred under a backlog are committed now, not a second
    // later. Also when alerts were acknowledged: their removal from the outbox is
    // committed promptly, so a crash soon after does not send them again.
    advance_time(consumer_->caught_up());
    finish_batch();
  }
  periodic(false);
  return fatal_.empty();
}

void Pipeline::finish() {
  batch_.clear();
  if (!fatal_.empty()) throw std::runtime_error(fatal_);
  // Graceful stop: the batch in hand is done; wait for its acknowledgements and for alerts
  // in flight, then commit. Deliveries to channels still queued stay in the outbox for the
  // next start.
  store_acknowledged_inputs(true);
  finish_batch();  // state changes not committed yet, and their repartition offsets
  collect_deliveries();
  if (!producer_.flush(config_.kafka.flush_timeout))
    spdlog::warn("{} messages still unacknowledged at shutdown; alerts stay in the outbox",
                 producer_.in_flight());
  try {
    partitions_->commit();  // removes the alerts just acknowledged from the outboxes
  } catch (const std::exception& e) {
    spdlog::warn("final state commit: {}", e.what());
  }
  consumer_->close();
  periodic(true);
  if (!fatal_.empty()) throw std::runtime_error(fatal_);  // the hand-over at close failed
  spdlog::info(
      "stopped: {}, {}, {}, {} suppressed, {} invalid", plural(stats_.events.load(), "event"),
      plural(stats_.matches.load(), "match", "matches"), plural(stats_.alerts.load(), "alert"),
      stats_.suppressed.load(), stats_.invalid.load());
}

Pipeline::Cursor& Pipeline::cursor_for(const Record& m) {
  for (auto& c : cursors_)
    if (c.topic_id == m.topic.data() && c.partition == m.partition) return c;
  for (auto& c : cursors_) {
    if (c.partition == m.partition && c.topic == m.topic) {
      c.topic_id = m.topic.data();
      return c;
    }
  }
  cursors_.push_back(Cursor{m.topic.data(), m.partition, std::string(m.topic), -1});
  return cursors_.back();
}

Pipeline::Cursor& Pipeline::cursor_for(const TopicPartition& tp) {
  for (auto& c : cursors_)
    if (c.partition == tp.partition && c.topic == tp.topic) return c;
  cursors_.push_back(Cursor{nullptr, tp.partition, tp.topic, -1});
  return cursors_.back();
}

bool Pipeline::skip_before_from(const Record& m, Cursor& c) {
  int64_t ts = m.timestamp_ms;
  if (ts >= 0 && ts < *c.skip_before_ms) {
    ++c.skipped;
    ++stats_.skipped;
    probe_.events_skipped.Increment();
    return true;
  }
  spdlog::info("{}/{}: {} written before {} skipped (first start); processing from offset {}",
               c.topic, c.partition, plural(c.skipped, "record"),
               format_timestamp_ms(*c.skip_before_ms), m.offset);
  c.skip_before_ms.reset();
  return false;
}

void Pipeline::process(RecordBatch& batch) {
  auto started = std::chrono::steady_clock::now();
  std::vector<int64_t> timestamps;
  timestamps.reserve(batch.size());
  uint64_t events = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Record& m = batch[i];
    if (i + 1 < batch.size() && !batch[i + 1].value.empty()) Decoder::prefetch(batch[i + 1].value);
    Cursor& c = cursor_for(m);
    c.last = std::max(c.last, m.offset);
    if (c.topic == repartition_topic_) {
      process_match(m);
      continue;
    }
    ++events;
    if (c.skip_before_ms && skip_before_from(m, c)) continue;
    timestamps.push_back(m.timestamp_ms);
    process_input(m, c);
  }
  bool caught_up = consumer_->caught_up();
  advance_time(caught_up);
  if (caught_up || alerts_uncommitted_ || dead_letters_in_batch_ > 0 ||
      clock_.steady() - last_state_commit_ >= kStateCommitInterval)
    finish_batch();
  else
    state_uncommitted_ = true;
  queue_input(std::move(timestamps));
  store_acknowledged_inputs(false);

  probe_.batch_duration.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  probe_.events_consumed.Increment(static_cast<double>(events));
  stats_.events += events;
  ++stats_.batches;
}

void Pipeline::queue_input(std::vector<int64_t> timestamps) {
  PendingInput input{repartition_.sent(),
                     dead_letters_.sent(),
                     {},
                     std::move(timestamps),
                     std::chrono::steady_clock::now()};
  for (auto& c : cursors_) {
    if (c.last < 0 || c.topic == repartition_topic_) continue;
    input.offsets.push_back({TopicPartition{c.topic, c.partition}, c.last + 1});
    c.last = -1;
  }
  if (!input.offsets.empty()) pending_inputs_.push_back(std::move(input));
}

void Pipeline::store_acknowledged_inputs(bool all) {
  auto deadline = std::chrono::steady_clock::now() + config_.kafka.flush_timeout;
  std::string error;
  while (!pending_inputs_.empty()) {
    if (repartition_.take_error(error) || dead_letters_.take_error(error))
      throw std::runtime_error(error + "; stopping without committing the records concerned");
    const PendingInput& front = pending_inputs_.front();
    if (repartition_.acked_through() < front.repartition_through ||
        dead_letters_.acked_through() < front.dead_letters_through) {
      auto now = std::chrono::steady_clock::now();
      bool wait = all || pending_inputs_.size() > kMaxPendingInputBatches;
      if (now - front.read_at > config_.kafka.flush_timeout || (wait && now >= deadline))
        throw std::runtime_error(
            fmt::format("matches or dead letters not acknowledged within {} ms; stopping without "
                        "committing the records concerned",
                        config_.kafka.flush_timeout.count()));
      if (!wait) break;
      producer_.poll(std::chrono::milliseconds(1));
      continue;
    }
    consumer_->store_offsets(front.offsets);
    observe_latency(front.timestamps);
    pending_inputs_.pop_front();
  }
  uint64_t acknowledged = dead_letters_.acknowledged();
  if (acknowledged > dead_letters_reported_) {
    probe_.dead_letters.Increment(static_cast<double>(acknowledged - dead_letters_reported_));
    dead_letters_reported_ = acknowledged;
  }
}

void Pipeline::observe_latency(const std::vector<int64_t>& timestamps) {
  int64_t durable_ms = now_ms();
  const auto& bounds = PipelineProbe::latency_buckets();
  std::fill(latency_buckets_.begin(), latency_buckets_.end(), 0);
  latency_sum_ = 0;
  for (int64_t ts : timestamps) {
    if (ts <= 0) continue;
    double seconds = static_cast<double>(std::max<int64_t>(0, durable_ms - ts)) / 1000.0;
    size_t b = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) -
                                   bounds.begin());
    latency_buckets_[b] += 1;
    latency_sum_ += seconds;
  }
  probe_.processing_latency.ObserveMultiple(latency_buckets_, latency_sum_);
}

void Pipeline::drop_pending_inputs(const std::vector<TopicPartition>& parts) {
  for (PendingInput& input : pending_inputs_)
    std::erase_if(input.offsets, [&](const auto& entry) {
      return std::find(parts.begin(), parts.end(), entry.first) != parts.end();
    });
}

void Pipeline::process_input(const Record& m, Cursor& cursor) {
  SourceRef source{cursor.topic, m.partition, m.offset, m.timestamp_ms};
  routed_.clear();
  if (DecodeError e = match_.process(m.value, source, routed_); e != DecodeError::none) {
    reject(m, e);
    return;
  }
  for (const RoutedRecord& r : routed_) repartition_.send(r.key, r.value, {}, r.partition);
  state_probe_.repartition_records.Increment(static_cast<double>(routed_.size()));
  // Counted as found, before the batch's events: once `events` holds a record, `matches`
  // holds its matches, so matches_applied >= matches says the state stage caught up.
  stats_.matches += match_.last_matches();
}

void Pipeline::process_match(const Record& m) {
  StateTask* task = partitions_->task(m.partition);
  if (task == nullptr) return;  // not ours (any more); the consumer drops such records
  if (!decode_match_record(m.value, record_)) {
    // Written by an incompatible klaxon version, or not by klaxon: kept, not applied.
    uint64_t held_back = 0;
    if (bad_match_log_limiter_.allow(now_ms(), held_back))
      spdlog::error("unreadable match record {}/{}/{}; sent to {}", repartition_topic_, m.partition,
                    m.offset, dead_letters_.topic());
    dead_letters_.send(m, "unreadable_match_record", "not a match record this version reads");
    ++dead_letters_in_batch_;
    return;
  }
  if (!task->apply(record_)) {
    ++stats_.replayed;
    probe_.events_replayed.Increment();
    return;
  }
  stats_.matches_applied += record_.entries.size();
}

int64_t Pipeline::effective_now(int32_t partition, const StateTask& task, bool caught_up) {
  // Event time drives the windows. While the consumer is caught up, silence is real: once
  // nothing newer than the partition's newest event has arrived for the grace period, its
  // time moves on from that event at the wall clock's pace, so a flatline fires when nothing
  // arrives. Anchored on the newest event (not on the wall clock), replayed old logs are
  // judged in their own time; while a backlog is being read, only event time counts.
  auto now = clock_.steady();
  PartitionClock& clock = clocks_[partition];
  int64_t stream = task.stream_time();
  if (stream != clock.stream_seen) {
    clock.stream_seen = stream;
    clock.moved_at = now;
  }
  if (!caught_up) return stream;
  const int64_t grace = config_.state.grace_period.count();
  if (stream == 0) return clock_.wall_ms() - grace;  // nothing read since start: the wall clock
  int64_t idle =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - clock.moved_at).count();
  return std::max(stream, stream + idle - grace);
}

void Pipeline::advance_time(bool caught_up) {
  last_advance_ = clock_.steady();
  for (int32_t p : partitions_->owned()) {
    StateTask* task = partitions_->task(p);
    task->advance(effective_now(p, *task, caught_up));
  }
}

void Pipeline::reject(const Record& m, DecodeError error) {
  ++stats_.invalid;
  std::string_view reason = to_string(error);
  probe_.invalid(reason).Increment();
  uint64_t held_back = 0;
  if (invalid_log_limiters_[static_cast<size_t>(error)].allow(now_ms(), held_back)) {
    spdlog::warn(
        "invalid record {}/{}/{} ({} bytes): {}: {}; sent to {}{}", m.topic, m.partition, m.offset,
        m.value.size(), reason, printable(match_.detail()), dead_letters_.topic(),
        held_back ? fmt::format(" ({} more with this reason since the last report)", held_back)
                  : std::string());
  }
  dead_letters_.send(m, reason, match_.detail());  // awaited through queue_input
}

void Pipeline::finish_batch() {
  // Dead letters of unreadable match records first: a repartition offset is stored only
  // when its dead letter is in Kafka.
  std::string error;
  if (dead_letters_in_batch_ > 0) {
    if (!dead_letters_.wait(config_.kafka.flush_timeout, error)) {
      partitions_->discard();
      throw std::runtime_error("dead-letter " + error + "; stopping without committing this batch");
    }
    dead_letters_in_batch_ = 0;
  }
  // Changelog, then the stores; durable now: the offsets may go, and the alerts.
  auto fired = partitions_->commit();
  std::vector<std::pair<TopicPartition, int64_t>> offsets;
  for (auto& c : cursors_) {
    if (c.last < 0 || c.topic != repartition_topic_) continue;
    offsets.push_back({TopicPartition{c.topic, c.partition}, c.last + 1});
    c.last = -1;
  }
  consumer_->store_offsets(offsets);
  if (!fired.empty() && fenced()) {
    probe_.alerts_fenced.Increment(static_cast<double>(fired.size()));
    spdlog::warn(
        "the group no longer counts this pod as the owner of its partitions (it stalled and "
        "was removed): {} not published; they stay in the outbox of their partitions, whose "
        "next owner sends those it does not find on {}",
        plural(fired.size(), "alert"), config_.kafka.alerts_topic);
    fired.clear();
    new_alert_lines_.clear();
  }
  for (const auto& [p, entry] : fired) {
    if (entry.to_topic) publisher_.publish(p, entry);
    submit_channels(p, entry);
  }
  for (const auto& [level, line] : new_alert_lines_) spdlog::log(level, "{}", line);
  new_alert_lines_.clear();
  publish_counters();
  alerts_uncommitted_ = false;
  state_uncommitted_ = false;
  last_state_commit_ = clock_.steady();
}

bool Pipeline::fenced() {
  // A stalled pod may have been removed from the group, its partitions given to another pod
  // that restored them and sent their alerts itself: asked of the coordinator before
  // anything leaves. An answer that does not come is no proof: the alerts go (at least once).
  if (!fenced_)
    fenced_ = consumer_->confirm_membership(std::min(kFenceTimeout, config_.kafka.flush_timeout)) ==
              RecordSource::Membership::fenced;
  return fenced_;
}

void Pipeline::take_newer_rules() {
  if (!preparing_rules_.valid()) {
    if (!newer_rules_) return;
    std::shared_ptr<const Matcher> newer = newer_rules_();
    if (!newer) return;
    // Indexing thousands of rules and resolving their labelled counters takes tens of ms:
    // done on another thread while batches go on with the current set.
    preparing_rules_ = std::async(std::launch::async, [&probe = probe_, newer] {
      PreparedRules p;
      p.rules = std::make_unique<ActiveRules>(newer);
      for (const auto& r : newer->rules()) p.names.push_back(r.name);
      p.counters = probe.resolve_rules(p.names);
      return p;
    });
    return;
  }
  if (preparing_rules_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  PreparedRules next = preparing_rules_.get();
  auto started = std::chrono::steady_clock::now();
  // State changes not committed yet need no commit first: they hold encoded groups and
  // alerts, no reference to a rule.
  publish_counters();  // they count by the old set's rule indices
  size_t before = rules_->matcher->rules().size();
  match_.use_rules(next.rules->matcher);
  retire(std::exchange(rules_, std::move(next.rules)));
  partitions_->use_rules(&rules_->by_state_id, &retired_by_state_id_);
  const std::vector<std::string>& names = next.names;
  probe_.use_rules(std::move(next.counters));
  alerts_per_rule_.assign(names.size(), 0);
  suppressed_per_rule_.assign(names.size(), 0);
  double paused = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  probe_.rules_swap.Observe(paused);
  spdlog::info(
      "rules reloaded: {}, {} (were {}), consuming paused {:.1f} ms; "
      "state kept for rules whose name, type and grouping did not change",
      plural(names.size(), "rule"), plural(rules_->matcher->pattern_count(), "pattern"),
      plural(before, "rule"), paused * 1000);
}

void Pipeline::retire(std::unique_ptr<ActiveRules> rules) {
  retired_.push_front({std::move(rules), clock_.steady() + kRetiredRulesKept});
  while (retired_.size() > kRetiredSetsKept) retired_.pop_back();
  forget_retired(false);
}

void Pipeline::forget_retired(bool expired_only) {
  auto now = clock_.steady();
  size_t before = retired_.size();
  std::erase_if(retired_, [&](const RetiredRules& r) { return r.until <= now; });
  if (expired_only && retired_.size() == before) return;
  retired_by_state_id_.clear();
  for (const RetiredRules& set : retired_)  // newest first: its rule wins a state id
    for (const auto& [state_id, rule] : set.rules->by_state_id)
      if (!rules_->by_state_id.count(state_id)) retired_by_state_id_.emplace(state_id, rule);
  if (expired_only) partitions_->use_rules(&rules_->by_state_id, &retired_by_state_id_);
}

void Pipeline::publish_counters() {
  std::vector<uint64_t> matches = match_.take_matches();
  for (size_t i = 0; i < matches.size(); ++i) {
    if (matches[i]) probe_.rule_matches[i]->Increment(static_cast<double>(matches[i]));
    if (alerts_per_rule_[i])
      probe_.alerts_emitted[i]->Increment(static_cast<double>(alerts_per_rule_[i]));
    if (suppressed_per_rule_[i])
      probe_.alerts_suppressed[i]->Increment(static_cast<double>(suppressed_per_rule_[i]));
    stats_.alerts += alerts_per_rule_[i];
    stats_.suppressed += suppressed_per_rule_[i];
    alerts_per_rule_[i] = suppressed_per_rule_[i] = 0;
  }
  stats_.alerts += std::exchange(retired_alerts_, 0);
  stats_.suppressed += std::exchange(retired_suppressed_, 0);
}

namespace {

std::vector<OutboxEntry> for_topic(std::vector<OutboxEntry> pending) {
  std::erase_if(pending, [](const OutboxEntry& e) { return !e.to_topic; });
  return pending;
}

}  // namespace

void Pipeline::resend_pending() {
  std::vector<std::pair<int32_t, std::vector<OutboxEntry>>> pending;
  for (int32_t p : partitions_->owned())
    if (auto entries = partitions_->awaiting_topic(p); !entries.empty())
      pending.emplace_back(p, std::move(entries));
  if (pending.empty() || fenced()) return;  // a removed pod's partitions are another's now
  for (auto& [p, entries] : pending) publisher_.resend(p, entries);
}

void Pipeline::submit_channels(int32_t partition, const OutboxEntry& entry) {
  if (entry.channels.empty()) return;
  if (std::optional<std::string> silence = silenced_by(entry)) {
    for (const auto& channel : entry.channels) {
      if (notify_probe_) notify_probe_->channel(channel).silenced.Increment();
      partitions_->delivered(partition, entry.alert_id, channel);
    }
    uint64_t held_back = 0;
    if (silenced_log_limiter_.allow(now_ms(), held_back))
      spdlog::info("alert {} silenced by {}: not sent to {}{}", entry.alert_id, *silence,
                   fmt::join(entry.channels, ", "),
                   held_back ? fmt::format(" ({} more silenced since the last report)", held_back)
                             : std::string());
    return;
  }
  for (const auto& channel : entry.channels) {
    DeliveryJob job{partition, channel, entry.document, entry.queued_ms};
    if (dispatcher_) {
      dispatcher_->submit(job);
    } else {
      // Configured when it was written, gone now: dead-lettered like an undeliverable one.
      give_up(DeliveryOutcome{partition, entry.alert_id, channel, false,
                              "no notify channels are configured any more", entry.document});
    }
  }
}

std::optional<std::string> Pipeline::silenced_by(const OutboxEntry& entry) const {
  if (silences_ == nullptr) return std::nullopt;
  Alert alert;
  if (!from_json(entry.document, alert)) return std::nullopt;  // delivered; never held back
  return silences_->silenced_by(alert, clock_.wall_ms());
}

void Pipeline::collect_deliveries() {
  if (!dispatcher_) return;
  for (auto& outcome : dispatcher_->take_outcomes()) {
    if (outcome.accepted)
      partitions_->delivered(outcome.partition, outcome.alert_id, outcome.channel);
    else
      give_up(std::move(outcome));
  }
}

void Pipeline::give_up(DeliveryOutcome outcome) {
  uint64_t held_back = 0;
  if (give_up_log_limiter_.allow(now_ms(), held_back))
    spdlog::error("alert {} not delivered to channel {}: {}; sent to {}{}", outcome.alert_id,
                  outcome.channel, outcome.reason, config_.kafka.dead_letter_topic,
                  held_back ? fmt::format(" ({} more given up since the last report)", held_back)
                            : std::string());
  // Removed from the outbox only once the dead-letter topic has it.
  int32_t partition = outcome.partition;
  std::string id = outcome.alert_id, channel = outcome.channel;
  std::string error;
  bool queued = producer_.produce(
      config_.kafka.dead_letter_topic, id, outcome.document,
      {{"klaxon.reason", "alert_undelivered"},
       {"klaxon.detail", outcome.reason},
       {"klaxon.channel", channel},
       {"klaxon.alert_id", id}},
      [this, partition, id, channel](const RecordSink::Delivery& d) {
        if (!d.ok) return;  // stays in the outbox; delivery is tried again on next open
        if (notify_probe_) notify_probe_->channel(channel).dead_lettered.Increment();
        partitions_->delivered(partition, id, channel);
      },
      &error);
  if (!queued) spdlog::warn("cannot dead-letter alert {}: {}", id, error);
}

void Pipeline::resend_unsent(int32_t partition) {
  std::vector<OutboxEntry> pending = partitions_->task(partition)->store().pending_alerts();
  for (const auto& entry : pending) submit_channels(partition, entry);
  pending = for_topic(std::move(pending));
  if (pending.empty()) return;
  // A previous owner may have produced some of them and crashed before removing them.
  SentAlertsQuery query;
  query.bootstrap_servers = config_.kafka.bootstrap_servers;
  query.properties = config_.kafka.properties;
  query.topic = config_.kafka.alerts_topic;
  query.open_reader = open_reader_;
  query.oldest_queued_ms = INT64_MAX;
  for (const auto& entry : pending) {
    query.ids.insert(entry.alert_id);
    query.oldest_queued_ms = std::min(query.oldest_queued_ms, entry.queued_ms);
  }
  SentAlerts sent;
  try {
    sent = find_sent_alerts(query);
    if (!sent.complete) {
      probe_.outbox_readback_incomplete.Increment();
      spdlog::warn(
          "state partition {}: {}; alerts of the outbox not found there are sent again "
          "(consumers recognise repeats by id)",
          partition, sent.incomplete);
    }
  } catch (const std::exception& e) {
    probe_.outbox_readback_incomplete.Increment();
    spdlog::warn(
        "state partition {}: cannot read back {} ({}); sending its {} pending alerts "
        "again (consumers recognise repeats by id)",
        partition, query.topic, e.what(), pending.size());
  }
  std::vector<OutboxEntry> unsent;
  for (auto& entry : pending) {
    if (sent.found.count(entry.alert_id))
      partitions_->delivered(partition, entry.alert_id, kAlertsTopicTarget);
    else
      unsent.push_back(std::move(entry));
  }
  spdlog::info(
      "state partition {}: {} in the outbox for {}, {} of them already there ({} read "
      "back); sending the other {}",
      partition, plural(pending.size(), "alert"), config_.kafka.alerts_topic,
      pending.size() - unsent.size(), plural(sent.records_read, "record"), unsent.size());
  publisher_.resend(partition, unsent);
}

void Pipeline::periodic(bool force) {
  auto now = clock_.steady();
  if (!force && now - last_periodic_ < kPeriodicInterval) return;
  last_periodic_ = now;
  size_t pending = 0;
  for (int32_t p : partitions_->owned())
    pending += partitions_->task(p)->store().pending_alert_count();
  if (!force) resend_pending();  // alerts whose delivery failed
  if (!retired_.empty()) forget_retired(true);
  probe_.outbox_pending.Set(static_cast<double>(pending));
  probe_.state_groups.Set(static_cast<double>(partitions_->groups()));
  state_probe_.state_bytes.Set(static_cast<double>(partitions_->bytes()));
}

void Pipeline::on_assigned(const std::vector<TopicPartition>& parts) {
  probe_.partitions_assigned.Increment(static_cast<double>(parts.size()));
  spdlog::info("assigned: {}", describe(parts));
  // A member again. A pod removed from the group had its partitions revoked or lost before
  // this: those it gets back open as new, and their held-back alerts are sent then.
  fenced_ = false;
  if (first_start_from_ms_) skip_on_first_start(parts);
  // Called inside the consumer's poll: no record of these partitions was handed out yet,
  // so each state partition is complete before its first record is applied.
  auto started = std::chrono::steady_clock::now();
  size_t opened = 0;
  for (const auto& tp : parts) {
    if (tp.topic != repartition_topic_) continue;
    try {
      partitions_->open(tp.partition, &rules_->by_state_id, &retired_by_state_id_);
      clocks_.erase(tp.partition);
      resend_unsent(tp.partition);
      ++opened;
    } catch (const std::exception& e) {
      // Not thrown through librdkafka's C frames: run() stops with it.
      fatal_ = "state partition " + std::to_string(tp.partition) + ": " + e.what();
      request_stop();
      return;
    }
  }
  // This pod's share of a hand-over; the rest is the group's rebalance (docs/state.md).
  if (opened > 0)
    spdlog::info("{} open in {}", plural(opened, "state partition"),
                 human_duration(elapsed_ms(started)));
}

void Pipeline::skip_on_first_start(const std::vector<TopicPartition>& parts) {
  std::vector<TopicPartition> inputs;
  for (const auto& tp : parts)
    if (tp.topic != repartition_topic_) inputs.push_back(tp);
  if (inputs.empty()) return;
  std::map<TopicPartition, int64_t> committed;
  try {
    committed = consumer_->committed(inputs, config_.kafka.flush_timeout);
  } catch (const std::exception& e) {
    // Safe side: everything is processed (alert.max_notify_age keeps history off channels).
    spdlog::warn(
        "--from: {}; the partitions assigned now are read from their committed "
        "offsets or from the earliest, nothing skipped",
        e.what());
    return;
  }
  for (const auto& [tp, offset] : committed) {
    if (offset >= 0) continue;  // the group was here before: --from is for a first start
    Cursor& c = cursor_for(tp);
    c.skip_before_ms = first_start_from_ms_;
    c.skipped = 0;
    spdlog::info("{}/{}: no committed offset; records written to Kafka before {} are skipped",
                 tp.topic, tp.partition, format_timestamp_ms(*c.skip_before_ms));
  }
}

void Pipeline::on_revoked(const std::vector<TopicPartition>& parts, bool lost) {
  auto started = std::chrono::steady_clock::now();
  probe_.partitions_revoked.Increment(static_cast<double>(parts.size()));
  for (const auto& tp : parts) cursor_for(tp).skip_before_ms.reset();
  spdlog::info("{}: {}", lost ? "lost (not committed)" : "revoked (committed)", describe(parts));
  if (lost) {
    fenced_ = false;             // all of them: nothing is left to hold back
    drop_pending_inputs(parts);  // their records are the next owner's to read again
  } else if (fatal_.empty()) {
    try {
      store_acknowledged_inputs(true);  // committed with the hand-over
    } catch (const std::exception& e) {
      // Not thrown through librdkafka's C frames: run() stops with it.
      fatal_ = e.what();
      request_stop();
    }
  }
  bool state = std::any_of(parts.begin(), parts.end(),
                           [&](const TopicPartition& p) { return p.topic == repartition_topic_; });
  if (state && !lost && fatal_.empty()) {
    // Between batches. Alerts in flight are awaited so their removal from the outbox is
    // committed with the partition: the next owner does not send them again.
    if (!producer_.flush(config_.kafka.flush_timeout))
      spdlog::warn("alerts still unacknowledged while handing partitions over");
    collect_deliveries();
    producer_.flush(config_.kafka.flush_timeout);  // dead letters of given-up deliveries
    try {
      finish_batch();  // with the repartition offsets of the state changes it commits
    } catch (const std::exception& e) {
      spdlog::warn("committing state before handing partitions over: {}", e.what());
    }
  }
  if (!fatal_.empty()) partitions_->discard();  // a broken batch is not committed
  for (const auto& p : parts) {
    std::erase_if(cursors_, [&](const Cursor& c) {
      return p.partition == c.partition && p.topic == c.topic;
    });
    if (p.topic == repartition_topic_) {
      partitions_->close(p.partition);
      if (dispatcher_) dispatcher_->drop_partition(p.partition);
    }
    probe_.consumer_lag(p.topic, p.partition).Set(0);
  }
  if (!lost) spdlog::info("handed over in {}", human_duration(elapsed_ms(started)));
}

void Pipeline::on_commit(bool ok, const std::string& error) { probe_.commit_reported(ok, error); }

void Pipeline::on_lag(const std::string& topic, int32_t partition, int64_t lag) {
  probe_.lag_reported(topic, partition, lag);
}

void Pipeline::on_error(const std::string& error, bool fatal) {
  if (probe_.error_reported(error, fatal)) request_stop();
}

}  // namespace klaxon
