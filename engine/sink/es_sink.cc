#include "sink/es_sink.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "core/text.h"
#include "core/time.h"

namespace klaxon {

EsSink::EsSink(EsSinkOptions options, ConsumerOptions consumer, DocEncoder encoder,
               BulkService& service, DeadLetterWriter& dead_letters, ConsumerProbe& consumer_probe,
               SinkProbe& probe)
    : options_(options),
      encoder_(std::move(encoder)),
      service_(service),
      dead_letters_(dead_letters),
      consumer_probe_(consumer_probe),
      probe_(probe),
      invalid_log_(options.invalid_log_interval),
      refused_log_(options.invalid_log_interval) {
  consumer_ =
      std::make_unique<KafkaConsumer>(std::move(consumer), static_cast<ConsumerListener&>(*this));
}

EsSink::~EsSink() {
  if (consumer_) consumer_->close();
}

void EsSink::run() {
  RecordBatch batch;
  while (!stop_) {
    auto timeout = options_.poll_timeout;
    if (!open_.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          open_since_ + options_.linger - Clock::now());
      timeout = std::clamp(left, std::chrono::milliseconds(0), timeout);
    }
    consumer_->poll_batch(poll_limit(), timeout, batch);
    consumer_probe_.events_consumed.Increment(static_cast<double>(batch.size()));
    for (const Record& m : batch) handle_record(m);
    batch.clear();
    if (!open_.empty() && Clock::now() - open_since_ >= options_.linger) flush_open_batch();
    collect_results();
    send_dead_letters();
    store_offsets();
    apply_backpressure();
  }

  // Stopping: no new records; give what was read the flush timeout to finish.
  flush_open_batch();
  if (!paused_) consumer_->set_paused(true);
  paused_ = true;
  auto deadline = Clock::now() + options_.flush_timeout;
  bool drained = false;
  while (!drained && Clock::now() < deadline) {
    drained = service_.drain(std::chrono::milliseconds(100));
    consumer_->poll_batch(options_.poll_batch, std::chrono::milliseconds(0), batch);
    batch.clear();  // records fetched before the pause: read again after a restart
    collect_results();
    send_dead_letters();
    store_offsets();
  }
  if (!drained)
    spdlog::warn(
        "elasticsearch: {} bytes of documents not indexed within {}; their offsets "
        "stay uncommitted and are read again on restart",
        service_.buffered_bytes(), format_duration(options_.flush_timeout));
  service_.stop();
  consumer_->close();
  probe_.paused_partitions.Set(0);
}

void EsSink::handle_record(const Record& m) {
  tracker_.read(TopicPartition{std::string(m.topic), m.partition}, m.offset);
  RecordView r{m.topic, m.partition, m.offset, m.timestamp_ms, m.key, m.value};
  if (r.timestamp_ms < 0) r.timestamp_ms = now_ms();
  DecodeError e = encoder_.encode(r, scratch_);
  if (e != DecodeError::none) {
    std::string_view reason = to_string(e);
    consumer_probe_.invalid(reason).Increment();
    uint64_t held_back = 0;
    if (invalid_log_.allow(now_ms(), held_back))
      spdlog::warn("invalid event {}/{}/{} ({}: {}) sent to {}{}", m.topic, m.partition, m.offset,
                   reason, printable(encoder_.detail()), dead_letters_.topic(),
                   held_back ? fmt::format("; {} more since the last such line", held_back) : "");
    dead_letters_.send(m, reason, encoder_.detail());
    invalid_.push_back({std::string(m.topic), m.partition, m.offset});
    return;
  }
  if (!open_.empty() && open_bytes_ + scratch_.bytes() > options_.bulk_max_bytes)
    flush_open_batch();
  if (open_.empty()) open_since_ = Clock::now();
  open_bytes_ += scratch_.bytes();
  encoded_bytes_ += scratch_.bytes();
  ++encoded_docs_;
  open_.push_back(std::move(scratch_));
  scratch_ = BulkDoc{};
  if (open_.size() >= options_.bulk_max_docs) flush_open_batch();
}

void EsSink::flush_open_batch() {
  if (open_.empty()) return;
  service_.submit(std::move(open_));
  open_.clear();
  open_bytes_ = 0;
}

void EsSink::collect_results() {
  service_.take_results(results_);
  for (const DocPosition& p : results_.indexed)
    tracker_.finish(TopicPartition{p.topic, p.partition}, p.offset);
  for (RefusedDoc& r : results_.refused) {
    uint64_t held_back = 0;
    if (refused_log_.allow(now_ms(), held_back))
      spdlog::warn("elasticsearch refused {}/{}/{} for good ({}: {}); sent to {}{}", r.doc.topic,
                   r.doc.partition, r.doc.offset, printable(r.reason), printable(r.detail),
                   dead_letters_.topic(),
                   held_back ? fmt::format("; {} more since the last such line", held_back) : "");
    dead_letters_.send(r.doc.topic, r.doc.partition, r.doc.offset, r.doc.key, r.doc.record_value(),
                       r.reason, r.detail);
    refused_.push_back(std::move(r));
  }
  results_.indexed.clear();
  results_.refused.clear();
}

void EsSink::send_dead_letters() {
  if (refused_.empty() && invalid_.empty()) return;
  std::string error;
  if (!dead_letters_.wait(options_.flush_timeout, error))
    throw std::runtime_error("dead-letter " + error +
                             "; stopping without committing the records concerned");
  for (const RefusedDoc& r : refused_)
    tracker_.finish(TopicPartition{r.doc.topic, r.doc.partition}, r.doc.offset);
  for (const DocPosition& p : invalid_)
    tracker_.finish(TopicPartition{p.topic, p.partition}, p.offset);
  probe_.dead_lettered.Increment(static_cast<double>(refused_.size()));
  consumer_probe_.dead_letters.Increment(static_cast<double>(refused_.size() + invalid_.size()));
  refused_.clear();
  invalid_.clear();
}

void EsSink::store_offsets() { consumer_->store_offsets(tracker_.take_committable()); }

size_t EsSink::poll_limit() const {
  // Before the first document, assume a large one (a Java stack trace) to stay on the safe side.
  constexpr uint64_t kFirstGuessBytes = 4096;
  uint64_t average =
      encoded_docs_ ? std::max<uint64_t>(1, encoded_bytes_ / encoded_docs_) : kFirstGuessBytes;
  size_t buffered = buffered_bytes();
  size_t room = buffered < options_.buffer_max_bytes ? options_.buffer_max_bytes - buffered : 0;
  // At least one record per poll: polling also serves the group's callbacks, and a paused
  // consumer returns nothing anyway.
  return std::clamp<size_t>(room / average, 1, options_.poll_batch);
}

void EsSink::apply_backpressure() {
  size_t buffered = buffered_bytes();
  probe_.buffered_bytes.Set(static_cast<double>(buffered));
  if (!paused_ && buffered > options_.buffer_max_bytes) {
    size_t n = consumer_->set_paused(true);
    paused_ = true;
    probe_.paused_partitions.Set(static_cast<double>(n));
    spdlog::info("elasticsearch is behind ({} MB buffered): {} partitions paused", buffered >> 20,
                 n);
  } else if (paused_ && buffered < options_.buffer_max_bytes / 2) {
    consumer_->set_paused(false);
    paused_ = false;
    probe_.paused_partitions.Set(0);
    spdlog::info("elasticsearch caught up: partitions resumed");
  }
}

void EsSink::on_assigned(const std::vector<TopicPartition>& parts) {
  consumer_probe_.partitions_assigned.Increment(static_cast<double>(parts.size()));
  spdlog::info("assigned {} partitions", parts.size());
  // Newly assigned partitions start unpaused.
  if (paused_) probe_.paused_partitions.Set(static_cast<double>(consumer_->set_paused(true)));
}

void EsSink::on_revoked(const std::vector<TopicPartition>& parts, bool lost) {
  consumer_probe_.partitions_revoked.Increment(static_cast<double>(parts.size()));
  spdlog::info("{} {} partitions", lost ? "lost" : "revoked", parts.size());
  for (const auto& tp : parts) {
    tracker_.forget(tp);
    consumer_probe_.consumer_lag(tp.topic, tp.partition).Set(0);
  }
}

void EsSink::on_commit(bool ok, const std::string& error) {
  consumer_probe_.commit_reported(ok, error);
}

void EsSink::on_lag(const std::string& topic, int32_t partition, int64_t lag) {
  consumer_probe_.lag_reported(topic, partition, lag);
}

void EsSink::on_error(const std::string& error, bool fatal) {
  if (consumer_probe_.error_reported(error, fatal)) request_stop();
}

}  // namespace klaxon
