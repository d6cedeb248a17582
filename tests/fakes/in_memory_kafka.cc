#include "fakes/in_memory_kafka.h"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace klaxon::fakes {

void InMemoryKafka::create_topic(const std::string& topic, int partitions) {
  topics_[topic].resize(static_cast<size_t>(partitions));
}

int InMemoryKafka::partitions(const std::string& topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : static_cast<int>(it->second.size());
}

int64_t InMemoryKafka::append(const std::string& topic, int32_t partition, StoredRecord record) {
  auto& log = topics_.at(topic).at(static_cast<size_t>(partition));
  log.push_back(std::move(record));
  return static_cast<int64_t>(log.size()) - 1;
}

const std::vector<StoredRecord>& InMemoryKafka::log(const std::string& topic,
                                                    int32_t partition) const {
  return topics_.at(topic).at(static_cast<size_t>(partition));
}

int64_t InMemoryKafka::committed(const std::string& group, const TopicPartition& tp) const {
  auto g = committed_.find(group);
  if (g == committed_.end()) return -1;
  auto it = g->second.find(tp);
  return it == g->second.end() ? -1 : it->second;
}

void InMemoryKafka::commit(const std::string& group, const TopicPartition& tp,
                           int64_t next_offset) {
  committed_[group][tp] = next_offset;
}

// --- FakeSink

bool FakeSink::produce(std::string_view topic, std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, DeliveryFn on_delivery,
                       std::string* error, int32_t partition) {
  std::string name(topic);
  int partitions = kafka_.partitions(name);
  if (partitions == 0) {
    if (error) *error = "Local: Unknown topic";
    return false;
  }
  if (partition == kAnyPartition)
    partition =
        static_cast<int32_t>(std::hash<std::string_view>()(key) % static_cast<size_t>(partitions));
  if (partition < 0 || partition >= partitions) {
    if (error) *error = "Local: Unknown partition";
    return false;
  }
  Queued q{std::move(name), partition,
           StoredRecord{
               std::string(key), std::string(value), value.data() == nullptr, clock_.wall_ms(), {}},
           std::move(on_delivery)};
  for (const Header& h : headers) q.record.headers.emplace_back(h.name, h.value);
  queued_.push_back(std::move(q));
  return true;
}

void FakeSink::deliver(Queued& q) {
  Delivery d{true, "", q.partition, -1};
  if (failures_ > 0) {
    --failures_;
    d.ok = false;
    d.error = failure_;
  } else {
    d.offset = kafka_.append(q.topic, q.partition, std::move(q.record));
  }
  if (q.on_delivery && !callbacks_dropped_) q.on_delivery(d);
}

void FakeSink::poll(std::chrono::milliseconds) {
  if (held_) return;
  while (!queued_.empty()) {
    Queued q = std::move(queued_.front());
    queued_.pop_front();
    deliver(q);
  }
}

bool FakeSink::flush(std::chrono::milliseconds timeout) {
  poll(timeout);
  return queued_.empty();
}

void FakeSink::crash(bool written) {
  if (written)
    for (Queued& q : queued_) kafka_.append(q.topic, q.partition, std::move(q.record));
  queued_.clear();
}

// --- FakeSource

void FakeSource::release(const std::set<TopicPartition>& parts) {
  for (const auto& tp : parts) {
    const void*& owner = kafka_.owner(group_, tp);
    if (owner == this) owner = nullptr;
  }
}

void FakeSource::crash() {
  crashed_ = true;
  release(assigned_);  // the group gives them to others after the session timeout
}

void FakeSource::apply_rebalances() {
  for (; !rebalances_.empty(); rebalances_.pop_front()) {
    const Rebalance& r = rebalances_.front();
    std::vector<TopicPartition> parts;
    for (const auto& tp : r.parts)
      if ((r.kind == Kind::assign) != (assigned_.count(tp) > 0)) parts.push_back(tp);
    if (parts.empty()) continue;
    if (r.kind == Kind::assign) {
      for (const auto& tp : parts) {
        const void*& owner = kafka_.owner(group_, tp);
        if (owner != nullptr)
          throw std::logic_error("test error: " + tp.topic + "/" + std::to_string(tp.partition) +
                                 " is held by another member of " + group_);
        owner = this;
        assigned_.insert(tp);
        position_[tp] = std::max<int64_t>(0, kafka_.committed(group_, tp));
      }
      listener_.on_assigned(parts);
      continue;
    }
    listener_.on_revoked(parts, r.kind == Kind::lose);
    if (r.kind == Kind::revoke) commit_stored(parts);
    std::set<TopicPartition> gone(parts.begin(), parts.end());
    release(gone);
    for (const auto& tp : parts) assigned_.erase(tp), stored_.erase(tp), position_.erase(tp);
  }
}

void FakeSource::poll_batch(size_t max, std::chrono::milliseconds, RecordBatch& out) {
  if (closed_ || crashed_) return;
  if (auto_commit_) commit_stored({assigned_.begin(), assigned_.end()});
  apply_rebalances();
  for (const auto& tp : assigned_) {
    int64_t& next = position_[tp];
    const auto& log = kafka_.log(tp.topic, tp.partition);
    for (; next < static_cast<int64_t>(log.size()) && out.size() < max; ++next) {
      const StoredRecord& s = log[static_cast<size_t>(next)];
      Record r;
      r.topic = tp.topic;
      r.partition = tp.partition;
      r.offset = next;
      r.timestamp_ms = s.timestamp_ms;
      r.key = s.key;
      r.value = s.value;
      r.tombstone = s.tombstone;
      out.push_copy(r, s.headers);
    }
  }
}

void FakeSource::store_offsets(
    const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) {
  for (const auto& [tp, offset] : next_offsets)
    if (assigned_.count(tp)) stored_[tp] = offset;  // as Kafka: only of assigned partitions
}

void FakeSource::commit_stored(const std::vector<TopicPartition>& parts) {
  for (const auto& tp : parts) {
    auto it = stored_.find(tp);
    if (it != stored_.end()) kafka_.commit(group_, tp, it->second);
  }
}

void FakeSource::close() {
  if (closed_ || crashed_) return;
  closed_ = true;
  std::vector<TopicPartition> parts(assigned_.begin(), assigned_.end());
  if (!parts.empty()) listener_.on_revoked(parts, false);
  commit_stored(parts);
  release(assigned_);
  assigned_.clear();
}

bool FakeSource::caught_up() const {
  if (assigned_.empty()) return false;
  for (const auto& tp : assigned_)
    if (position_.at(tp) < kafka_.end(tp.topic, tp.partition)) return false;
  return true;
}

std::map<TopicPartition, int64_t> FakeSource::committed(const std::vector<TopicPartition>& parts,
                                                        std::chrono::milliseconds) {
  std::map<TopicPartition, int64_t> out;
  for (const auto& tp : parts) out[tp] = kafka_.committed(group_, tp);
  return out;
}

// --- FakeReader

FakeReader::FakeReader(const InMemoryKafka& kafka, const TopicReaderOptions& options)
    : kafka_(kafka), topic_(options.topic) {
  if (options.follow) throw std::logic_error("FakeReader does not follow a topic (yet)");
  if (!kafka.has_topic(topic_)) throw std::runtime_error("topic " + topic_ + " not found");
  for (int32_t p = 0; p < kafka.partitions(topic_); ++p) {
    if (options.partition && *options.partition != p) continue;
    Watermarks w{0, kafka.end(topic_, p)};
    watermarks_[p] = w;
    int64_t from = options.from_offset ? std::clamp(*options.from_offset, w.low, w.high) : w.low;
    if (options.from_time_ms) {
      const auto& log = kafka.log(topic_, p);
      while (from < w.high && log[static_cast<size_t>(from)].timestamp_ms < *options.from_time_ms)
        ++from;
      if (from == w.high && w.high > w.low) ++misses_;
    }
    int64_t to = options.to_offset ? std::clamp(*options.to_offset, from, w.high) : w.high;
    total_ += static_cast<uint64_t>(to - from);
    if (from < to) ranges_[p] = {from, to};
  }
  done_ = ranges_.empty();
}

bool FakeReader::next(RecordBatch& out, size_t max) {
  for (auto it = ranges_.begin(); it != ranges_.end() && out.size() < max;) {
    auto& [next, end] = it->second;
    const auto& log = kafka_.log(topic_, it->first);
    for (; next < end && out.size() < max; ++next) {
      const StoredRecord& s = log[static_cast<size_t>(next)];
      Record r;
      r.topic = topic_;
      r.partition = it->first;
      r.offset = next;
      r.timestamp_ms = s.timestamp_ms;
      r.key = s.key;
      r.value = s.value;
      r.tombstone = s.tombstone;
      out.push_copy(r, s.headers);
    }
    it = next >= end ? ranges_.erase(it) : std::next(it);
  }
  done_ = ranges_.empty();
  return !out.empty() || !ranges_.empty();
}

OpenReader FakeReader::opener(const InMemoryKafka& kafka) {
  return [&kafka](const TopicReaderOptions& options) -> std::unique_ptr<RecordReader> {
    return std::make_unique<FakeReader>(kafka, options);
  };
}

}  // namespace klaxon::fakes
