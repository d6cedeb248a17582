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
#include "source/record_sink.h"

namespace klaxon {

struct ProducerOptions {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // librdkafka properties; win over defaults
  std::chrono::milliseconds linger{5};
  bool idempotent = true;
  // How long the destructor waits for what is still queued before it gives it up.
  std::chrono::milliseconds close_timeout{10'000};
};

class KafkaProducer : public RecordSink {
 public:
  explicit KafkaProducer(ProducerOptions options);
  // Flushes for up to close_timeout, then purges what is left; callbacks served meanwhile
  // are freed without being called (their owners are gone).
  ~KafkaProducer() override;
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  bool produce(std::string_view topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, DeliveryFn on_delivery, std::string* error,
               int32_t partition = kAnyPartition) override;
  void poll(std::chrono::milliseconds timeout) override;
  bool flush(std::chrono::milliseconds timeout) override;
  int in_flight() const override;
  // Messages whose delivery failed and that had no callback.
  uint64_t failed_without_callback() const { return failed_without_callback_; }
  // Also by the flush in the destructor (a stop after a fatal error leaves messages in
  // flight).
  void drop_callbacks() override { callbacks_dropped_.store(true); }
  // The Kafka cluster id, or "" when the cluster does not report one within `timeout`.
  std::string cluster_id(std::chrono::milliseconds timeout);
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  static void delivery_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  RdKafkaPtr rk_;
  std::chrono::milliseconds close_timeout_;
  uint64_t failed_without_callback_ = 0;
  std::atomic<bool> callbacks_dropped_{false};
};

}  // namespace klaxon
