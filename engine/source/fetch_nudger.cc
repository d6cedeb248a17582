#include "source/fetch_nudger.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace klaxon {

namespace {
// A nudge is answered in a round trip; this bounds a broker that does not answer.
constexpr int kNudgeTimeoutMs = 1000;

uint64_t conf_number(const rd_kafka_conf_t* conf, const char* name, uint64_t fallback) {
  char value[64];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(value, &end, 10);
  return end == value ? fallback : n;
}
}  // namespace

PrefetchLimits prefetch_limits(const rd_kafka_conf_t* conf) {
  PrefetchLimits defaults;
  return PrefetchLimits{
      conf_number(conf, "queued.max.messages.kbytes", defaults.max_bytes / 1024) * 1024,
      conf_number(conf, "queued.min.messages", defaults.max_messages)};
}

FetchNudger::FetchNudger(rd_kafka_t* rk, PrefetchLimits limits)
    : rk_(rk), limits_(limits), thread_([this] { run(); }) {}

FetchNudger::~FetchNudger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void FetchNudger::after_poll(size_t queued, double bytes_per_record, bool caught_up) {
  // The queue's limit in records: librdkafka stops at either limit.
  double limit = static_cast<double>(limits_.max_messages);
  if (bytes_per_record > 0)
    limit = std::min(limit, static_cast<double>(limits_.max_bytes) / bytes_per_record);
  double q = static_cast<double>(queued);
  if (q >= limit / 2) {
    armed_ = true;  // fetching may have stopped
    return;
  }
  if (!armed_ || q > limit / 4) return;
  armed_ = false;
  if (caught_up) return;  // nothing left to fetch
  {
    std::lock_guard lock(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

void FetchNudger::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return requested_ || stop_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    nudge();
    lock.lock();
  }
}

void FetchNudger::nudge() {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (parts->cnt > 0) {
    // Timestamp -1: each partition's end offset, which every broker answers at once. The
    // answer is not needed: the request woke the leaders' broker threads.
    for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_END;
    rd_kafka_offsets_for_times(rk_, parts, kNudgeTimeoutMs);
    ++nudges_;
  }
  rd_kafka_topic_partition_list_destroy(parts);
}

}  // namespace klaxon
