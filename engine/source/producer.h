// KafkaProducer: produces alerts, dead letters and generated traffic.
//
// Idempotent by default (no duplicates from internal retries). Delivery outcomes are
// reported to the per-message callback on the thread that calls poll() or flush().
// Thread: produce() is thread-safe (librdkafka); poll()/flush() from one thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "source/kafka_conf.h"

namespace klaxon {

struct ProducerOptions {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // librdkafka properties; win over defaults
  std::chrono::milliseconds linger{5};
  bool idempotent = true;
  // How long the destructor waits for what is still queued before it gives it up.
  std::chrono::milliseconds close_timeout{10'000};
};

struct Header {
  std::string name;
  std::string value;
};

class KafkaProducer {
 public:
  // What Kafka said of one message: ok=false carries librdkafka's reason; partition and
  // offset are where it was written (offset -1 when it was not).
  struct Delivery {
    bool ok;
    std::string error;
    int32_t partition;
    int64_t offset;
  };
  using DeliveryFn = std::function<void(const Delivery&)>;

  explicit KafkaProducer(ProducerOptions options);
  // Flushes for up to close_timeout, then purges what is left; callbacks served meanwhile
  // are freed without being called (their owners are gone).
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message (waiting while the local queue is full). Returns false with
  // `error` when it cannot be queued at all (unknown topic, message too large, fatal).
  bool produce(std::string_view topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, DeliveryFn on_delivery, std::string* error,
               int32_t partition = RD_KAFKA_PARTITION_UA);

  void poll(std::chrono::milliseconds timeout);
  // Waits until every queued message is delivered or failed; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  int in_flight() const;
  // Messages whose delivery failed and that had no callback.
  uint64_t failed_without_callback() const { return failed_without_callback_; }
  // The owners of the delivery callbacks are going away (a stop after a fatal error leaves
  // messages in flight): from now on callbacks are freed without being called, also by the
  // flush in the destructor.
  void drop_callbacks() { callbacks_dropped_.store(true); }
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  static void delivery_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  RdKafkaPtr rk_;
  std::chrono::milliseconds close_timeout_;
  uint64_t failed_without_callback_ = 0;
  std::atomic<bool> callbacks_dropped_{false};
};

}  // namespace klaxon
