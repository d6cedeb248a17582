// Event: one log record as the decode stage hands it to match, state and alert.
//
// Thread: an Event belongs to the one pipeline thread that decoded it.
// Ownership: every string_view points into the Kafka payload or into the decoder's
// buffers; they stay valid until that decoder decodes the next record. Copy what must
// outlive the batch (the alert stage does).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace klaxon {

// Where a record came from in Kafka.
struct SourceRef {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t kafka_timestamp_ms = 0;  // message timestamp (CreateTime or LogAppendTime)
};

// A top-level field a rule asked for by name. Strings are unescaped; numbers, booleans
// and null keep their JSON text; objects and arrays keep their raw JSON text.
struct Field {
  std::string_view name;
  std::string_view value;
};

struct Event {
  SourceRef source;
  std::string_view message;
  std::string_view timestamp_text;  // @timestamp as written, empty when absent
  int64_t timestamp_ms = 0;         // @timestamp, or the Kafka timestamp when absent/invalid
  std::string_view type;
  std::string_view host;  // `host` string, or `host.name` when host is an object (ECS)
  std::string_view path;
  std::vector<std::string_view> tags;
  std::vector<Field> fields;  // only the fields named in DecodeOptions::extra_fields
  bool structured = true;     // false: not a JSON object, the whole line is the message

  bool has_tag(std::string_view tag) const {
    for (auto t : tags)
      if (t == tag) return true;
    return false;
  }
  // Value of a top-level field by name: the standard ones, then the extra fields.
  // Returns false when the event has no such field.
  bool field(std::string_view name, std::string_view& value) const;
};

}  // namespace klaxon
