// Record and RecordBatch: what a source hands out, free of the Kafka client's types, so the
// stages that read records (the pipeline, the sink, restore, silences) neither include nor
// depend on librdkafka, and a test can make records without a broker.
//
// A Record views memory owned by its batch: valid until the batch is cleared, has records
// dropped, or is destroyed.
//
// Thread: a batch belongs to one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct rd_kafka_message_s;  // librdkafka's message; only engine/source/ looks inside

namespace klaxon {

struct Record {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: the record carries none
  std::string_view key;       // empty when null
  std::string_view value;     // empty when null
  bool tombstone = false;     // the value is null (in a compacted topic: its key is deleted)

  // The last header of that name; nullopt when there is none.
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header_ ? find_header_(origin_, name) : std::nullopt;
  }

  // For a source: how header() finds headers, looked up only when asked.
  using HeaderLookup = std::optional<std::string_view> (*)(const void* origin,
                                                           std::string_view name);
  const void* origin_ = nullptr;
  HeaderLookup find_header_ = nullptr;
};

// Records as polled, with the client's messages they view; frees them on clear().
class RecordBatch {
 public:
  RecordBatch();
  ~RecordBatch();
  RecordBatch(const RecordBatch&) = delete;
  RecordBatch& operator=(const RecordBatch&) = delete;

  void clear();
  // A message of the Kafka client; the batch owns it from now on.
  void push(rd_kafka_message_s* message);
  // A record made by hand (tests, fakes): its key, value and headers are copied.
  void push_copy(const Record& record,
                 std::vector<std::pair<std::string, std::string>> headers = {});
  // Drops (frees) the records of the given partitions.
  void drop(const std::set<std::pair<std::string, int32_t>>& partitions);
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const Record& operator[](size_t i) const { return records_[i]; }
  auto begin() const { return records_.begin(); }
  auto end() const { return records_.end(); }

 private:
  struct Copy;  // a hand-made record's storage
  // One of them per record, in step with records_.
  std::vector<Record> records_;
  // The topic names of hand-made records, kept across clear(): a record's topic is at one
  // address per topic and batch, as librdkafka's are (the pipeline keys its cursors on it).
  std::set<std::string, std::less<>> copied_topics_;
  std::vector<rd_kafka_message_s*> messages_;  // null for a copy
  std::vector<std::unique_ptr<Copy>> copies_;  // null for a message
};

}  // namespace klaxon
