#include "alert/outbox_publisher.h"

namespace klaxon {

OutboxPublisher::OutboxPublisher(StateStore& store, KafkaProducer& producer, std::string topic,
                                 ResultFn on_result)
    : store_(store),
      producer_(producer),
      topic_(std::move(topic)),
      on_result_(std::move(on_result)) {}

void OutboxPublisher::publish(const OutboxEntry& entry) {
  if (!in_flight_.insert(entry.alert_id).second) return;
  std::string id = entry.alert_id;
  std::string error;
  bool queued = producer_.produce(
      topic_, entry.key, entry.document, {{"klaxon.alert_id", id}},
      [this, id](bool ok, const std::string& err) {
        in_flight_.erase(id);
        std::string reason = err;
        if (ok) {
          rocksdb::Status s = store_.remove_alert(id);
          // Delivered but still in the outbox: it will be sent again (same id) after a restart.
          if (!s.ok()) reason = "delivered, but not removed from the outbox: " + s.ToString();
        }
        if (on_result_) on_result_(ok, id, reason);
      },
      &error);
  if (!queued) {
    in_flight_.erase(id);
    if (on_result_) on_result_(false, id, error);
  }
}

size_t OutboxPublisher::resend_pending() {
  size_t sent = 0;
  for (const auto& entry : store_.pending_alerts()) {
    if (in_flight_.count(entry.alert_id)) continue;
    publish(entry);
    ++sent;
  }
  return sent;
}

}  // namespace klaxon
