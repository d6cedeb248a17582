#include "app/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/time.h"

namespace klaxon {

namespace {
constexpr auto kPeriodicInterval = std::chrono::seconds(5);
// How often time advances when no record arrives (flatline and spike-down timers).
constexpr auto kIdleAdvanceInterval = std::chrono::seconds(1);
RuleRunnerOptions rule_runner_options(const Config& config) {
  RuleRunnerOptions o;
  o.max_event_bytes = static_cast<size_t>(config.decode.max_event_bytes);
  o.logic.max_request_ids = static_cast<size_t>(config.alert.max_request_ids);
  o.logic.grace_ms = config.state.grace_period.count();
  o.alert.kibana_url = config.alert.kibana_url;
  o.alert.kibana_index_pattern = config.alert.kibana_index_pattern;
  o.alert.stack_trace_lines = static_cast<size_t>(config.alert.stack_trace_lines);
  o.request_id_keys = config.alert.request_id_keys;
  return o;
}

ConsumerOptions consumer_options(const Config& config) {
  ConsumerOptions o;
  o.bootstrap_servers = config.kafka.bootstrap_servers;
  o.group_id = config.kafka.group_id;
  o.topics = config.kafka.topics;
  o.auto_offset_reset = config.kafka.auto_offset_reset;
  o.commit_interval = config.kafka.commit_interval;
  o.session_timeout = config.kafka.session_timeout;
  o.properties = config.kafka.properties;
  return o;
}

std::string describe(const std::vector<TopicPartition>& parts) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += ", ";
    s += p.topic + "/" + std::to_string(p.partition);
  }
  return s.empty() ? "none" : s;
}
}  // namespace

Pipeline::Pipeline(const Config& config, std::shared_ptr<const Matcher> matcher, StateStore& store,
                   KafkaProducer& producer, PipelineProbe& probe, NewerRules newer_rules)
    : config_(config),
      newer_rules_(std::move(newer_rules)),
      store_(store),
      producer_(producer),
      probe_(probe),
      runner_(std::move(matcher), store, rule_runner_options(config),
              [this](const Alert& alert) { stage(alert); }),
      dead_letters_(producer, config.kafka.dead_letter_topic),
      publisher_(store, producer, config.kafka.alerts_topic,
                 [this](bool ok, const std::string& id, const std::string& error) {
                   if (ok) {
                     ++stats_.alerts_delivered;
                     probe_.alerts_delivered.Increment();
                   } else {
                     probe_.alerts_delivery_failed.Increment();
                     spdlog::warn("alert {} not delivered to {}: {} (kept in the outbox, retried)",
                                  id, config_.kafka.alerts_topic, error);
                   }
                   if (!error.empty() && ok) spdlog::warn("alert {}: {}", id, error);
                 }) {
  std::vector<std::string> names;
  for (const auto& r : runner_.matcher().rules()) names.push_back(r.name);
  probe_.set_rules(names);
  latency_buckets_.assign(PipelineProbe::latency_buckets().size() + 1, 0);
  for (size_t i = 0; i <= std::size(kAllDecodeErrors); ++i)
    invalid_log_limiters_.emplace_back(config.log.invalid_event_interval);
  consumer_ = std::make_unique<KafkaConsumer>(consumer_options(config),
                                              static_cast<ConsumerListener&>(*this));
  cluster_id_ = consumer_->cluster_id(std::chrono::seconds(10));
  spdlog::info("consuming {} as group {} from {} (cluster {}), {} rules, {} patterns",
               fmt::join(config.kafka.topics, ","), config.kafka.group_id,
               config.kafka.bootstrap_servers, cluster_id_.empty() ? "id unknown" : cluster_id_,
               runner_.matcher().rules().size(), runner_.matcher().pattern_count());
}

Pipeline::~Pipeline() = default;

void Pipeline::run() {
  if (size_t pending = publisher_.resend_pending(); pending > 0)
    spdlog::info("delivering {} alerts left in the outbox by the previous run", pending);
  MessageBatch batch;
  std::string fatal;
  while (!stop_.load()) {
    batch.clear();
    consumer_->poll_batch(static_cast<size_t>(config_.kafka.batch_size), config_.kafka.poll_timeout,
                          batch);
    producer_.poll(std::chrono::milliseconds(0));  // alert delivery reports
    take_newer_rules();
    if (!batch.empty()) {
      process(batch);
    } else if (std::chrono::steady_clock::now() - last_advance_ >= kIdleAdvanceInterval) {
      advance_time(consumer_->caught_up());
      finish_batch();
    }
    periodic(false);
  }
  batch.clear();
  // Graceful stop: the batch in hand is done; wait for alerts in flight, then commit.
  if (!producer_.flush(config_.kafka.flush_timeout))
    spdlog::warn("{} messages still unacknowledged at shutdown; alerts stay in the outbox",
                 producer_.in_flight());
  consumer_->close();
  periodic(true);
  spdlog::info("stopped: {} events, {} matches, {} alerts, {} suppressed, {} invalid",
               stats_.events.load(), stats_.matches.load(), stats_.alerts.load(),
               stats_.suppressed.load(), stats_.invalid.load());
}

Pipeline::Cursor& Pipeline::cursor_for(const rd_kafka_message_t& m) {
  for (auto& c : cursors_)
    if (c.rkt == m.rkt && c.partition == m.partition) return c;
  const char* topic = rd_kafka_topic_name(m.rkt);
  for (auto& c : cursors_) {
    if (c.partition == m.partition && c.topic == topic) {
      c.rkt = m.rkt;
      return c;
    }
  }
  std::string stream = cluster_id_ + "/" + topic;
  int64_t applied = store_.applied_offset(stream, m.partition);
  cursors_.push_back(Cursor{m.rkt, m.partition, topic, stream, applied, -1});
  return cursors_.back();
}

void Pipeline::process(MessageBatch& batch) {
  auto started = std::chrono::steady_clock::now();
  std::vector<int64_t> timestamps;
  timestamps.reserve(batch.size());
  for (const rd_kafka_message_t* m : batch) {
    Cursor& c = cursor_for(*m);
    c.last = std::max(c.last, m->offset);
    if (m->offset <= c.applied) {
      ++stats_.replayed;
      probe_.events_replayed.Increment();
      continue;
    }
    rd_kafka_timestamp_type_t type;
    int64_t ts = rd_kafka_message_timestamp(m, &type);
    timestamps.push_back(ts);
    process_record(*m, c);
  }
  advance_time(consumer_->caught_up());
  finish_batch();

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
  probe_.batch_duration.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  probe_.events_consumed.Increment(static_cast<double>(batch.size()));
  stats_.events += batch.size();
  ++stats_.batches;
}

void Pipeline::process_record(const rd_kafka_message_t& m, Cursor& cursor) {
  rd_kafka_timestamp_type_t type;
  SourceRef source{cursor.topic, m.partition, m.offset, rd_kafka_message_timestamp(&m, &type)};
  std::string_view payload(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
  if (DecodeError e = runner_.process(payload, source); e != DecodeError::none) reject(m, e);
}

void Pipeline::stage(const Alert& alert) {
  OutboxEntry entry{alert.id, alert_key(alert), to_json(alert)};
  store_.stage_alert(entry);
  new_alerts_.push_back(std::move(entry));
  if (config_.alert.log_alerts) new_alert_lines_.push_back(to_log_line(alert));
}

int64_t Pipeline::effective_now(bool caught_up) {
  // Event time drives the windows. While the consumer is caught up, silence is real: once
  // nothing newer than the newest event has arrived for the grace period, time moves on
  // from that event at the wall clock's pace, so a flatline fires when nothing arrives.
  // Anchored on the newest event (not on the wall clock), replayed old logs are judged in
  // their own time; while a backlog is being read, only event time counts.
  auto now = std::chrono::steady_clock::now();
  int64_t stream = runner_.stream_time();
  if (stream != stream_seen_) {
    stream_seen_ = stream;
    stream_moved_at_ = now;
  }
  if (!caught_up) return stream;
  const int64_t grace = config_.state.grace_period.count();
  if (stream == 0) return now_ms() - grace;  // nothing read since start: the wall clock
  int64_t idle =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - stream_moved_at_).count();
  return std::max(stream, stream + idle - grace);
}

void Pipeline::advance_time(bool caught_up) {
  last_advance_ = std::chrono::steady_clock::now();
  runner_.advance(effective_now(caught_up));
}

void Pipeline::reject(const rd_kafka_message_t& m, DecodeError error) {
  ++stats_.invalid;
  std::string_view reason = to_string(error);
  probe_.invalid(reason).Increment();
  uint64_t held_back = 0;
  if (invalid_log_limiters_[static_cast<size_t>(error)].allow(now_ms(), held_back)) {
    spdlog::warn(
        "invalid record {}/{}/{} ({} bytes): {}: {}; sent to {}{}", rd_kafka_topic_name(m.rkt),
        m.partition, m.offset, m.len, reason, runner_.detail(), dead_letters_.topic(),
        held_back ? fmt::format(" ({} more with this reason since the last report)", held_back)
                  : std::string());
  }
  dead_letters_.send(m, reason, runner_.detail());
  ++dead_letters_in_batch_;
}

void Pipeline::finish_batch() {
  runner_.flush();
  if (dead_letters_in_batch_ > 0) {
    uint64_t before = dead_letters_.acknowledged();
    std::string error;
    if (!dead_letters_.wait(config_.kafka.flush_timeout, error)) {
      store_.discard_batch();
      throw std::runtime_error(error + "; stopping without committing this batch");
    }
    probe_.dead_letters.Increment(static_cast<double>(dead_letters_.acknowledged() - before));
    dead_letters_in_batch_ = 0;
  }
  for (const auto& c : cursors_)
    if (c.last > c.applied) store_.stage_offset(c.stream, c.partition, c.last);
  if (rocksdb::Status s = store_.commit_batch(); !s.ok()) {
    store_.discard_batch();
    throw std::runtime_error("state store write failed: " + s.ToString() +
                             "; stopping without committing this batch");
  }
  // Durable now: deliver the alerts and let the offsets be committed.
  for (const auto& entry : new_alerts_) publisher_.publish(entry);
  for (const auto& line : new_alert_lines_) spdlog::warn("{}", line);
  std::vector<std::pair<TopicPartition, int64_t>> offsets;
  for (auto& c : cursors_) {
    if (c.last < 0) continue;
    c.applied = std::max(c.applied, c.last);
    offsets.push_back({TopicPartition{c.topic, c.partition}, c.last + 1});
    c.last = -1;
  }
  consumer_->store_offsets(offsets);
  publish_counters();
  new_alerts_.clear();
  new_alert_lines_.clear();
}

void Pipeline::take_newer_rules() {
  if (!newer_rules_) return;
  std::shared_ptr<const Matcher> newer = newer_rules_();
  if (!newer) return;
  publish_counters();  // they count by the old set's rule indices
  size_t before = runner_.matcher().rules().size();
  runner_.use_rules(std::move(newer));
  std::vector<std::string> names;
  for (const auto& r : runner_.matcher().rules()) names.push_back(r.name);
  probe_.set_rules(names);
  spdlog::info(
      "rules reloaded: {} rules, {} patterns (were {} rules); state kept for rules "
      "whose name, type and grouping did not change",
      names.size(), runner_.matcher().pattern_count(), before);
}

void Pipeline::publish_counters() {
  RuleCounters& c = runner_.counters();
  for (size_t i = 0; i < c.matches.size(); ++i) {
    if (c.matches[i]) probe_.rule_matches[i]->Increment(static_cast<double>(c.matches[i]));
    if (c.alerts[i]) probe_.alerts_emitted[i]->Increment(static_cast<double>(c.alerts[i]));
    if (c.suppressed[i])
      probe_.alerts_suppressed[i]->Increment(static_cast<double>(c.suppressed[i]));
    stats_.matches += c.matches[i];
    stats_.alerts += c.alerts[i];
    stats_.suppressed += c.suppressed[i];
  }
  c.reset(c.matches.size());
}

void Pipeline::periodic(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_periodic_ < kPeriodicInterval) return;
  last_periodic_ = now;
  if (!force) publisher_.resend_pending();  // alerts whose delivery failed
  probe_.outbox_pending.Set(static_cast<double>(store_.pending_alerts().size()));
  probe_.state_groups.Set(static_cast<double>(store_.estimated_groups()));
}

void Pipeline::on_assigned(const std::vector<TopicPartition>& parts) {
  probe_.partitions_assigned.Increment(static_cast<double>(parts.size()));
  spdlog::info("assigned: {}", describe(parts));
}

void Pipeline::on_revoked(const std::vector<TopicPartition>& parts, bool lost) {
  probe_.partitions_revoked.Increment(static_cast<double>(parts.size()));
  spdlog::info("{}: {}", lost ? "lost (not committed)" : "revoked (committed)", describe(parts));
  std::erase_if(cursors_, [&](const Cursor& c) {
    return std::any_of(parts.begin(), parts.end(), [&](const TopicPartition& p) {
      return p.partition == c.partition && p.topic == c.topic;
    });
  });
  for (const auto& p : parts) probe_.consumer_lag(p.topic, p.partition).Set(0);
}

void Pipeline::on_commit(bool ok, const std::string& error) {
  if (ok) {
    probe_.commits_ok.Increment();
    return;
  }
  probe_.commits_failed.Increment();
  // Typically REBALANCE_IN_PROGRESS: the records are redelivered and skipped as applied.
  spdlog::warn("offset commit failed: {}", error);
}

void Pipeline::on_lag(const std::string& topic, int32_t partition, int64_t lag) {
  probe_.consumer_lag(topic, partition).Set(static_cast<double>(lag));
}

void Pipeline::on_error(const std::string& error, bool fatal) {
  if (fatal) {
    spdlog::critical("Kafka consumer: fatal error: {}; stopping", error);
    request_stop();
  } else {
    spdlog::warn("Kafka consumer: {}", error);
  }
}

}  // namespace klaxon
