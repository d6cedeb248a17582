// OutboxPublisher: delivers alerts from the durable outboxes (one per state partition's
// StateStore) to the alerts topic.
//
// An alert enters its partition's outbox in the same atomic write as the state change that
// decided it; this class produces it and reports the outcome, and the caller removes it
// from the outbox (with its next commit) once Kafka acknowledged it. Failed deliveries stay
// in the outbox and are sent again by resend(), which also runs when a partition is opened,
// so alerts pending at a crash are delivered by whoever owns the partition next. A crash
// between acknowledgement and removal sends an alert twice, with the same id.
//
// Thread: the pipeline thread; delivery callbacks run there too (inside producer.poll()).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "source/record_sink.h"
#include "state/state_store.h"

namespace klaxon {

class OutboxPublisher {
 public:
  using ResultFn = std::function<void(bool ok, int32_t partition, const std::string& alert_id,
                                      const std::string& error)>;

  OutboxPublisher(RecordSink& producer, std::string topic, ResultFn on_result);

  // Produces an alert of state partition `partition` that was just committed to its outbox.
  void publish(int32_t partition, const OutboxEntry& entry);
  // Produces each entry that is not in flight. Returns how many.
  size_t resend(int32_t partition, const std::vector<OutboxEntry>& pending);
  size_t in_flight() const { return in_flight_.size(); }

 private:
  RecordSink& producer_;
  std::string topic_;
  ResultFn on_result_;
  std::set<std::string> in_flight_;
};

}  // namespace klaxon
