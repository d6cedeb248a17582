// RecordSink: where the engine writes records (repartitioned matches, changelog entries,
// alerts, dead letters) and learns, record by record, whether they are durable. The
// at-least-once contract rests on it: an input is committed only after the sink reported
// what it caused as written (AckedWriter). KafkaProducer is the production sink; tests may
// use an in-memory one.
//
// Thread: produce() from any thread; poll() and flush(), which run the delivery callbacks,
// from one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct Header {
  std::string name;
  std::string value;
};

class RecordSink {
 public:
  // What the sink said of one record: ok=false carries its reason; partition and offset
  // are where it was written (offset -1 when it was not).
  struct Delivery {
    bool ok;
    std::string error;
    int32_t partition;
    int64_t offset;
  };
  using DeliveryFn = std::function<void(const Delivery&)>;
  // produce()'s partition when the sink picks it (by key).
  static constexpr int32_t kAnyPartition = -1;

  virtual ~RecordSink() = default;

  // Queues one record (waiting while the local queue is full). Returns false with `error`
  // when it cannot be queued at all (unknown topic, record too large, fatal); on_delivery is
  // then never called.
  virtual bool produce(std::string_view topic, std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, DeliveryFn on_delivery,
                       std::string* error, int32_t partition = kAnyPartition) = 0;
  // Runs the callbacks of deliveries decided so far, waiting up to `timeout` for one.
  virtual void poll(std::chrono::milliseconds timeout) = 0;
  // Waits until every queued record is delivered or failed; false on timeout.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  virtual int in_flight() const = 0;
  // The owners of the delivery callbacks are going away: from now on callbacks are freed
  // without being called.
  virtual void drop_callbacks() = 0;
};

}  // namespace klaxon
