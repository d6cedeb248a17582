#include "source/record.h"

#include <librdkafka/rdkafka.h>

namespace klaxon {

namespace {
std::string_view bytes(const void* data, size_t size) {
  return data == nullptr ? std::string_view()
                         : std::string_view(static_cast<const char*>(data), size);
}

std::optional<std::string_view> message_header(const void* origin, std::string_view name) {
  // librdkafka parses a message's headers on first use, hence the non-const message.
  auto* m = const_cast<rd_kafka_message_t*>(static_cast<const rd_kafka_message_t*>(origin));
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, std::string(name).c_str(), &value, &size) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  return bytes(value, size);
}
}  // namespace

struct RecordBatch::Copy {
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;

  static std::optional<std::string_view> header(const void* origin, std::string_view name) {
    const auto* copy = static_cast<const Copy*>(origin);
    for (auto it = copy->headers.rbegin(); it != copy->headers.rend(); ++it)
      if (it->first == name) return std::string_view(it->second);
    return std::nullopt;
  }
};

RecordBatch::RecordBatch() = default;
RecordBatch::~RecordBatch() { clear(); }

void RecordBatch::clear() {
  for (rd_kafka_message_t* m : messages_)
    if (m != nullptr) rd_kafka_message_destroy(m);
  messages_.clear();
  copies_.clear();
  records_.clear();
}

void RecordBatch::push(rd_kafka_message_t* m) {
  rd_kafka_timestamp_type_t type;
  Record r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  r.key = bytes(m->key, m->key_len);
  r.value = bytes(m->payload, m->len);
  r.tombstone = m->payload == nullptr;
  r.origin_ = m;
  r.find_header_ = &message_header;
  records_.push_back(r);
  messages_.push_back(m);
  copies_.emplace_back();
}

void RecordBatch::push_copy(const Record& record,
                            std::vector<std::pair<std::string, std::string>> headers) {
  auto copy = std::make_unique<Copy>(
      Copy{std::string(record.key), std::string(record.value), std::move(headers)});
  auto topic = copied_topics_.find(record.topic);
  if (topic == copied_topics_.end()) topic = copied_topics_.emplace(record.topic).first;
  Record r = record;
  r.topic = *topic;
  r.key = copy->key;
  // A tombstone's value stays null, as the client hands it out.
  r.value = record.tombstone ? std::string_view() : std::string_view(copy->value);
  r.origin_ = copy.get();
  r.find_header_ = &Copy::header;
  records_.push_back(r);
  messages_.push_back(nullptr);
  copies_.push_back(std::move(copy));
}

void RecordBatch::drop(const std::set<std::pair<std::string, int32_t>>& partitions) {
  size_t kept = 0;
  for (size_t i = 0; i < records_.size(); ++i) {
    if (partitions.count({std::string(records_[i].topic), records_[i].partition})) {
      if (messages_[i] != nullptr) rd_kafka_message_destroy(messages_[i]);
      continue;
    }
    records_[kept] = records_[i];
    messages_[kept] = messages_[i];
    copies_[kept] = std::move(copies_[i]);
    ++kept;
  }
  records_.resize(kept);
  messages_.resize(kept);
  copies_.resize(kept);
}

}  // namespace klaxon
