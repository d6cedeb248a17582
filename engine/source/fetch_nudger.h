// FetchNudger: gets librdkafka fetching again as soon as a consumer drained a full prefetch
// queue, instead of up to a second later.
//
// librdkafka stops fetching every partition of a consumer once its prefetch queue holds
// queued.max.messages.kbytes or queued.min.messages, and looks again only when a broker
// thread wakes up: for an I/O event, an operation, or its 1 s timer (librdkafka 2.0.2;
// later versions make it fetch.queue.backoff.ms, 1 s by default). An engine that drains
// the queue faster than that idles until then: reading a backlog, a pod was capped near
// the queue's size per second (64 MiB/s by default) whatever its speed.
//
// A request to each broker wakes its thread, which then fetches again. So once the queue
// was seen near its limit and has drained to a quarter of it, the nudger sends one
// ListOffsets request per partition leader (rd_kafka_offsets_for_times for the assigned
// partitions, read-only), on its own thread so the consuming thread never waits for it.
//
// Thread: after_poll() from the consuming thread; the nudger's thread calls librdkafka.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace klaxon {

struct PrefetchLimits {
  uint64_t max_bytes = 65536ULL * 1024;  // queued.max.messages.kbytes
  uint64_t max_messages = 100000;        // queued.min.messages
};

// The limits a consumer's configuration sets (librdkafka's defaults where it is silent).
PrefetchLimits prefetch_limits(const rd_kafka_conf_t* conf);

class FetchNudger {
 public:
  // `rk` must outlive the nudger.
  FetchNudger(rd_kafka_t* rk, PrefetchLimits limits);
  ~FetchNudger();
  FetchNudger(const FetchNudger&) = delete;
  FetchNudger& operator=(const FetchNudger&) = delete;

  // After each poll: `queued` records wait in the consumer's queue, records average
  // `bytes_per_record`; `caught_up`: every assigned partition was read to its end.
  void after_poll(size_t queued, double bytes_per_record, bool caught_up);

  // Nudges sent (answered or not), for tests and metrics.
  uint64_t nudges() const { return nudges_.load(); }

 private:
  void run();
  void nudge();

  rd_kafka_t* rk_;
  PrefetchLimits limits_;
  bool armed_ = false;  // the queue was near its limit since the last nudge

  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  std::atomic<uint64_t> nudges_{0};
  std::thread thread_;  // last: started once the rest is initialised
};

}  // namespace klaxon
