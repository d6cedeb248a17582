// BulkDoc: one Kafka record on its way into Elasticsearch, as the two NDJSON lines of a
// _bulk request (action and source), plus what the dead-letter topic needs should
// Elasticsearch refuse it for good.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct BulkDoc {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = 0;  // the record's Kafka timestamp
  // `{"index":{"_index":...,"_id":...}}\n{...source...}\n`
  std::string lines;
  size_t source_begin = 0;  // where the source line starts in `lines`
  std::string key;          // the record's key
  // The record's value when the source line is not it byte for byte (a plain-text line
  // wrapped into JSON, or line breaks between JSON tokens); empty otherwise.
  std::string original;

  size_t bytes() const { return lines.size(); }
  // The record's value as Kafka held it.
  std::string_view record_value() const {
    if (!original.empty()) return original;
    return std::string_view(lines).substr(source_begin, lines.size() - source_begin - 1);
  }
};

// A document Elasticsearch refused for good, with the reason for the dead-letter topic.
struct RefusedDoc {
  BulkDoc doc;
  std::string reason;  // the error type, e.g. "mapper_parsing_exception", or "too_large"
  std::string detail;  // status and Elasticsearch's reason, in words
};

// Where a finished document came from: the consumer commits these offsets.
struct DocPosition {
  std::string topic;
  int32_t partition;
  int64_t offset;
};

}  // namespace klaxon
