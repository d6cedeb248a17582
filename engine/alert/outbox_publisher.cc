#include "alert/outbox_publisher.h"

namespace klaxon {

OutboxPublisher::OutboxPublisher(RecordSink& producer, std::string topic, ResultFn on_result)
    : producer_(producer), topic_(std::move(topic)), on_result_(std::move(on_result)) {}

void OutboxPublisher::publish(int32_t partition, const OutboxEntry& entry) {
  if (!in_flight_.insert(entry.alert_id).second) return;
  std::string id = entry.alert_id;
  std::string error;
  bool queued = producer_.produce(
      topic_, entry.key, entry.document, {{"klaxon.alert_id", id}},
      [this, id, partition](const RecordSink::Delivery& d) {
        in_flight_.erase(id);
        if (on_result_) on_result_(d.ok, partition, id, d.error);
      },
      &error);
  if (!queued) {
    in_flight_.erase(id);
    if (on_result_) on_result_(false, partition, id, error);
  }
}

size_t OutboxPublisher::resend(int32_t partition, const std::vector<OutboxEntry>& pending) {
  size_t sent = 0;
  for (const auto& entry : pending) {
    if (in_flight_.count(entry.alert_id)) continue;
    publish(partition, entry);
    ++sent;
  }
  return sent;
}

}  // namespace klaxon
