// Decoder: turns one Kafka record's bytes into an Event (simdjson).
//
// The common event (a valid object of string fields) is read by DomReader, simdjson's DOM;
// everything else by an exact On-Demand pass that walks every value and names what is
// wrong. Both give the same Event or the same error (dom_reader.h).
//
// Logstash JSON objects give message, @timestamp, type, tags, host, path and the extra
// top-level fields rules name. A record that is not a JSON object (Logstash's plain codec)
// is still an event: its whole text is the message, and its time the timestamp it starts
// with (core/log_time.h) or else the Kafka timestamp. Records that cannot be trusted are
// rejected with a DecodeError and never crash the engine.
//
// Checks, in this order: size (oversized), blank (empty), UTF-8 of the whole payload
// (invalid_utf8), then either a plain line (first non-blank byte is not '{') or exactly one
// JSON object, validated in full: every value is walked, including fields nobody reads, and
// nothing but whitespace may follow the object (malformed_json). A syntax error anywhere
// outranks a wrongly typed standard field (bad_field). Nesting is limited to simdjson's
// default max depth (1024 levels, the top-level object counting as one); deeper is
// malformed_json. When a key appears twice the last occurrence wins. Standard fields are
// never copied into Event::fields, even when extra_fields names them.
//
// Thread: one Decoder per pipeline thread (it owns a simdjson parser and buffers).
// Ownership: views in the decoded Event point into this decoder's buffers (the parser's
// string buffer for JSON strings, its padded copy of the payload for plain lines and other
// JSON values), never into `payload`; they stay valid until the next decode() on this decoder.
// The common event is parsed in place, without that copy, when the bytes simdjson reads past
// its end lie in the same memory page (padding_readable in decoder.cc).
// Allocation: the buffers grow to the largest record seen and are reused; decoding an event
// no larger than earlier ones allocates nothing (Event::tags and Event::fields are cleared,
// not shrunk).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "decode/dom_reader.h"

namespace klaxon {

enum class DecodeError {
  none = 0,
  empty,           // zero bytes, or only whitespace
  oversized,       // larger than DecodeOptions::max_event_bytes
  invalid_utf8,    // not valid UTF-8 (JSON or plain text alike)
  malformed_json,  // starts with '{' but is not one valid JSON object (trailing data included)
  bad_field,       // a standard field has the wrong JSON type (e.g. "message": 42)
};
inline constexpr DecodeError kAllDecodeErrors[] = {
    DecodeError::empty, DecodeError::oversized, DecodeError::invalid_utf8,
    DecodeError::malformed_json, DecodeError::bad_field};

// Stable lowercase name used as the metric label and dead-letter reason ("malformed_json").
std::string_view to_string(DecodeError e);

struct DecodeOptions {
  size_t max_event_bytes = 1 << 20;
  std::vector<std::string> extra_fields;  // top-level fields to capture into Event::fields
  bool plain = false;  // every record is a plain line, even one that starts with '{'
};

class Decoder {
 public:
  explicit Decoder(DecodeOptions options);

  // Decodes `payload` into `event` (whose SourceRef the caller has set, and which is reset
  // here except for that). On error, `detail()` says what was wrong in words and the event
  // is left reset.
  DecodeError decode(std::string_view payload, Event& event);

  // Starts loading a record that will be decoded next, so its bytes are arriving from
  // memory while the current one is decoded and matched: records sit in separate buffers,
  // where the hardware prefetcher does not see them coming. The first KiB is enough for the
  // prefetcher to follow a longer record.
  static void prefetch(std::string_view payload) {
    const size_t n = payload.size() < 1024 ? payload.size() : 1024;
    for (size_t offset = 0; offset < n; offset += 64) __builtin_prefetch(payload.data() + offset);
  }

  // Human-readable detail of the last error, e.g. "TAPE_ERROR at field 'tags'".
  // Empty after a successful decode.
  const std::string& detail() const { return detail_; }

 private:
  DecodeError decode_plain(size_t length, Event& event);
  DecodeError invalid_utf8();
  // The padded copy holds the record; `dom_tried`: DomReader has already declined it.
  DecodeError decode_json(size_t length, bool dom_tried, Event& event);
  void stamp(Event& event);
  std::optional<int64_t> timestamp_ms(std::string_view text);
  // Copies `payload` into padded_, followed by SIMDJSON_PADDING zero bytes.
  void copy_padded(std::string_view payload);

  DecodeOptions options_;
  DomReader dom_;  // the common case; the On-Demand pass below decides the rest
  simdjson::ondemand::parser parser_;
  std::string padded_;  // payload copy with SIMDJSON_PADDING bytes after it
  std::string detail_;
  // The last Logstash-form @timestamp's text up to its second, and that second in ms.
  char second_text_[19] = {};
  int64_t second_ms_ = 0;
  bool have_second_ = false;
};

}  // namespace klaxon
