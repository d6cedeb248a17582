#include "app/sent_alerts.h"

#include "core/time.h"
#include "source/topic_reader.h"

namespace klaxon {

std::set<std::string> sent_alert_ids(const SentAlertsQuery& query) {
  TopicReaderOptions o;
  o.bootstrap_servers = query.bootstrap_servers;
  o.properties = query.properties;
  o.topic = query.topic;
  o.from_time_ms = now_ms() - query.lookback.count();
  o.timeout = query.timeout;
  o.client_id = "klaxon-sent-alerts";
  TopicReader reader(o);
  std::set<std::string> ids;
  MessageBatch batch;
  while (reader.next(batch, 10'000)) {
    for (const rd_kafka_message_t* m : batch) {
      rd_kafka_headers_t* headers = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, "klaxon.alert_id", &value, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          value != nullptr)
        ids.emplace(static_cast<const char*>(value), size);
    }
    batch.clear();
  }
  return ids;
}

}  // namespace klaxon
