// OutboxPublisher: delivers alerts from the durable outbox (StateStore) to the alerts topic.
//
// An alert enters the outbox in the same atomic write as the state change that decided it;
// this class produces it and deletes it from the outbox only when Kafka acknowledged it.
// Failed deliveries stay in the outbox and are sent again by resend_pending(), which also
// runs at start so alerts pending at a crash are delivered after the restart. A crash
// between acknowledgement and deletion sends an alert twice, with the same id.
//
// Thread: the pipeline thread; delivery callbacks run there too (inside producer.poll()).
#pragma once

#include <functional>
#include <set>
#include <string>

#include "source/producer.h"
#include "state/state_store.h"

namespace klaxon {

class OutboxPublisher {
 public:
  using ResultFn =
      std::function<void(bool ok, const std::string& alert_id, const std::string& error)>;

  OutboxPublisher(StateStore& store, KafkaProducer& producer, std::string topic,
                  ResultFn on_result);

  // Produces an alert that was just committed to the outbox.
  void publish(const OutboxEntry& entry);
  // Produces every committed outbox entry that is not in flight. Returns how many.
  size_t resend_pending();
  size_t in_flight() const { return in_flight_.size(); }

 private:
  StateStore& store_;
  KafkaProducer& producer_;
  std::string topic_;
  ResultFn on_result_;
  std::set<std::string> in_flight_;
};

}  // namespace klaxon
