#include "source/dead_letter.h"

namespace klaxon {

void DeadLetterWriter::send(const rd_kafka_message_t& record, std::string_view reason,
                            std::string_view detail) {
  std::string source = std::string(rd_kafka_topic_name(record.rkt)) + "/" +
                       std::to_string(record.partition) + "/" + std::to_string(record.offset);
  std::string_view key(static_cast<const char*>(record.key), record.key ? record.key_len : 0);
  std::string_view value(static_cast<const char*>(record.payload),
                         record.payload ? record.len : 0);
  ++pending_;
  std::string error;
  bool queued = producer_.produce(
      topic_, key, value,
      {{"klaxon.reason", std::string(reason)},
       {"klaxon.detail", std::string(detail)},
       {"klaxon.source", source}},
      [this](bool ok, const std::string& err) {
        --pending_;
        if (ok) {
          ++acknowledged_;
        } else if (first_error_.empty()) {
          first_error_ = err;
        }
      },
      &error);
  if (!queued) {
    --pending_;
    if (first_error_.empty()) first_error_ = error;
  }
}

bool DeadLetterWriter::wait(std::chrono::milliseconds timeout, std::string& error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_ > 0 && std::chrono::steady_clock::now() < deadline)
    producer_.poll(std::chrono::milliseconds(10));
  if (pending_ > 0 && first_error_.empty())
    first_error_ = "not acknowledged within " + std::to_string(timeout.count()) + " ms";
  if (!first_error_.empty()) {
    error = "dead-letter topic " + topic_ + ": " + first_error_;
    return false;
  }
  return true;
}

}  // namespace klaxon
