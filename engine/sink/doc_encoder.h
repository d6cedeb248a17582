// DocEncoder: turns a Kafka record into a BulkDoc: the action line names the index (from
// the index pattern and the event's @timestamp) and an `_id` of "<topic>-<partition>-<offset>",
// so a record indexed again after a crash or rebalance overwrites its first copy instead
// of duplicating it. JSON events are sent as they are; a plain-text line becomes
// {"message": line, "@timestamp": its time} as Logstash's plain codec would make it.
//
// Records the decoder refuses (malformed, oversized, invalid UTF-8) are not encoded:
// encode() returns the DecodeError and the sink dead-letters them.
// Thread: one encoder per consuming thread (it owns a Decoder).
#pragma once

#include <string_view>

#include "core/index_pattern.h"
#include "decode/decoder.h"
#include "sink/bulk_doc.h"

namespace klaxon {

struct RecordView {
  std::string_view topic;
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms;  // Kafka timestamp, the event's time when it has none
  std::string_view key;
  std::string_view value;
};

class DocEncoder {
 public:
  DocEncoder(IndexPattern index, size_t max_event_bytes);

  // Fills `doc` (reusing its buffers); on error returns it, `detail()` says what is wrong.
  DecodeError encode(const RecordView& record, BulkDoc& doc);
  const std::string& detail() const { return decoder_.detail(); }

 private:
  IndexPattern index_;
  Decoder decoder_;
  Event event_;
  std::string index_name_;
};

}  // namespace klaxon
