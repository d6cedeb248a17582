#include "source/dead_letter.h"

namespace klaxon {

void DeadLetterWriter::send(const rd_kafka_message_t& record, std::string_view reason,
                            std::string_view detail) {
  std::string_view key(static_cast<const char*>(record.key), record.key ? record.key_len : 0);
  std::string_view value(static_cast<const char*>(record.payload), record.payload ? record.len : 0);
  send(rd_kafka_topic_name(record.rkt), record.partition, record.offset, key, value, reason,
       detail);
}

void DeadLetterWriter::send(std::string_view topic, int32_t partition, int64_t offset,
                            std::string_view key, std::string_view value, std::string_view reason,
                            std::string_view detail) {
  std::string source =
      std::string(topic) + "/" + std::to_string(partition) + "/" + std::to_string(offset);
  writer_.send(key, value,
               {{"klaxon.reason", std::string(reason)},
                {"klaxon.detail", std::string(detail)},
                {"klaxon.source", source}});
}

}  // namespace klaxon
