// DomReader: the decoder's fast path for the common event, read with simdjson's DOM API.
//
// Its stage 2 validates the whole document while building a tape, which costs less than
// walking every value On-Demand, as the decoder's exact pass does. It takes only a valid
// object whose standard fields are strings or null (tags: an array of strings, a string or
// null; host: a string or null) and whose extra fields are strings. Everything else (any
// error, a number DOM cannot represent such as 1e400, an ECS host object, an extra field of
// another type, nesting deeper than kMaxDepth) returns false, and the On-Demand pass then
// decides with its exact error detail: both paths give the same Event or the same error.
//
// Thread: one per Decoder. Views in the Event point into this reader's string buffer until
// its next read().
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "core/event.h"

namespace klaxon {

class DomReader {
 public:
  // Logstash events are shallow; anything deeper goes to the exact pass.
  static constexpr size_t kMaxDepth = 64;

  explicit DomReader(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  // `padded` holds `length` bytes followed by SIMDJSON_PADDING readable bytes. Fills the
  // event's fields (reset by the caller) and returns true, or returns false.
  bool read(const char* padded, size_t length, const std::vector<std::string>& extra_fields,
            Event& event);

 private:
  size_t max_event_bytes_;
  simdjson::dom::parser parser_;
};

}  // namespace klaxon
