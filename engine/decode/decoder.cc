#include "decode/decoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/log_time.h"
#include "core/time.h"
#include "decode/standard_fields.h"

namespace klaxon {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Blank for the `empty` check and for finding the first byte of a record.
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim_json_space_right(std::string_view s) {
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 8259 number grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
// simdjson's own number parser rejects valid numbers it cannot represent (integers wider
// than 64 bits, 1e400), so syntax is checked here instead.
bool is_json_number(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) ++i;
  }
  return i == n;
}

std::string_view error_code_name(error_code e) {
  switch (e) {
    case simdjson::SUCCESS:
      return "SUCCESS";
    case simdjson::CAPACITY:
      return "CAPACITY";
    case simdjson::MEMALLOC:
      return "MEMALLOC";
    case simdjson::TAPE_ERROR:
      return "TAPE_ERROR";
    case simdjson::DEPTH_ERROR:
      return "DEPTH_ERROR";
    case simdjson::STRING_ERROR:
      return "STRING_ERROR";
    case simdjson::T_ATOM_ERROR:
      return "T_ATOM_ERROR";
    case simdjson::F_ATOM_ERROR:
      return "F_ATOM_ERROR";
    case simdjson::N_ATOM_ERROR:
      return "N_ATOM_ERROR";
    case simdjson::NUMBER_ERROR:
      return "NUMBER_ERROR";
    case simdjson::UTF8_ERROR:
      return "UTF8_ERROR";
    case simdjson::UNINITIALIZED:
      return "UNINITIALIZED";
    case simdjson::EMPTY:
      return "EMPTY";
    case simdjson::UNESCAPED_CHARS:
      return "UNESCAPED_CHARS";
    case simdjson::UNCLOSED_STRING:
      return "UNCLOSED_STRING";
    case simdjson::UNSUPPORTED_ARCHITECTURE:
      return "UNSUPPORTED_ARCHITECTURE";
    case simdjson::INCORRECT_TYPE:
      return "INCORRECT_TYPE";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "NUMBER_OUT_OF_RANGE";
    case simdjson::INDEX_OUT_OF_BOUNDS:
      return "INDEX_OUT_OF_BOUNDS";
    case simdjson::NO_SUCH_FIELD:
      return "NO_SUCH_FIELD";
    case simdjson::IO_ERROR:
      return "IO_ERROR";
    case simdjson::INVALID_JSON_POINTER:
      return "INVALID_JSON_POINTER";
    case simdjson::INVALID_URI_FRAGMENT:
      return "INVALID_URI_FRAGMENT";
    case simdjson::UNEXPECTED_ERROR:
      return "UNEXPECTED_ERROR";
    case simdjson::PARSER_IN_USE:
      return "PARSER_IN_USE";
    case simdjson::OUT_OF_ORDER_ITERATION:
      return "OUT_OF_ORDER_ITERATION";
    case simdjson::INSUFFICIENT_PADDING:
      return "INSUFFICIENT_PADDING";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "INCOMPLETE_ARRAY_OR_OBJECT";
    case simdjson::SCALAR_DOCUMENT_AS_VALUE:
      return "SCALAR_DOCUMENT_AS_VALUE";
    case simdjson::OUT_OF_BOUNDS:
      return "OUT_OF_BOUNDS";
    case simdjson::TRAILING_CONTENT:
      return "TRAILING_CONTENT";
    default:
      return "UNKNOWN_ERROR";
  }
}

std::string_view json_type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// A key or other user text quoted in a detail: at most 64 bytes (cut on a UTF-8 character
// boundary), control characters replaced so the detail stays on one line.
void append_quoted(std::string& out, std::string_view text) {
  constexpr size_t kMax = 64;
  bool cut = false;
  if (text.size() > kMax) {
    size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
    cut = true;
  }
  out += '\'';
  for (char c : text) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
  if (cut) out += "...";
  out += '\'';
}

// The first standard field found with the wrong JSON type.
struct BadField {
  bool found = false;
  std::string_view field;     // "message", "tags", ...
  std::string_view expected;  // "a string", "an array of strings or a string", ...
  od::json_type actual = od::json_type::null;
  long element = -1;  // index into `tags` when an element is wrong
};

// One pass over a JSON document: fills the event and validates everything else.
// Every simdjson call is checked; the first error ends the pass.
class JsonPass {
 public:
  JsonPass(od::document& doc, const char* begin, size_t length, size_t max_depth,
           const std::vector<std::string>& extra_fields, Event& event)
      : doc_(doc),
        end_(begin + length),
        max_depth_(max_depth),
        extra_fields_(extra_fields),
        event_(event) {}

  error_code run() {
    od::object root;
    SIMDJSON_TRY(doc_.get_object().get(root));
    for (auto field_result : root) {
      in_value_ = false;
      SIMDJSON_TRY(field_result.error());
      od::field&& field = std::move(field_result).value_unsafe();
      std::string_view key;
      SIMDJSON_TRY(read_key(field, key));
      key_ = key;
      in_value_ = true;
      SIMDJSON_TRY(read_top_level(key, field.value()));
    }
    in_value_ = false;
    after_object_ = true;
    const char* next = nullptr;
    error_code e = doc_.current_location().get(next);
    if (e == simdjson::OUT_OF_BOUNDS) return SUCCESS;  // nothing after the object
    return e ? e : simdjson::TRAILING_CONTENT;
  }

  const BadField& bad_field() const { return bad_; }

  // Where the pass stopped, for the error detail: "at field 'tags'".
  void describe_position(std::string& out) const {
    if (after_object_) {
      out += "after the top-level object";
    } else if (in_value_) {
      out += "at field ";
      append_quoted(out, key_);
    } else if (key_.data() != nullptr) {
      out += "after field ";
      append_quoted(out, key_);
    } else {
      out += "at the start of the object";
    }
  }

 private:
  static constexpr size_t kTopLevelValueDepth = 2;  // the root object is depth 1

  error_code read_top_level(std::string_view key, od::value& value) {
    switch (standard_field(key)) {
      case Standard::message:
        return read_optional_string(value, "message", event_.message);
      case Standard::timestamp:
        return read_optional_string(value, "@timestamp", event_.timestamp_text);
      case Standard::type:
        return read_optional_string(value, "type", event_.type);
      case Standard::path:
        return read_optional_string(value, "path", event_.path);
      case Standard::tags:
        return read_tags(value);
      case Standard::host:
        return read_host(value);
      case Standard::none:
        break;
    }
    for (const std::string& name : extra_fields_) {
      if (name == key) return read_extra(name, value);
    }
    return walk(value, kTopLevelValueDepth);
  }

  // A string field where null means absent. Anything else is a bad field (still walked).
  error_code read_optional_string(od::value& value, std::string_view field, std::string_view& out) {
    od::json_type t;
    SIMDJSON_TRY(value.type().get(t));
    if (t == od::json_type::string) return read_string(value, out);
    if (t == od::json_type::null) {
      std::string_view text;
      SIMDJSON_TRY(check_scalar(value, t, text));
      out = {};
      return SUCCESS;
    }
    report_bad(field, "a string", t);
    return walk_typed(value, t, kTopLevelValueDepth);
  }

  // tags: an array of strings, a single string, or null.
  error_code read_tags(od::value& value) {
    od::json_type t;
    SIMDJSON_TRY(value.type().get(t));
    event_.tags.clear();
    switch (t) {
      case od::json_type::string: {
        std::string_view tag;
        SIMDJSON_TRY(read_string(value, tag));
        event_.tags.push_back(tag);
        return SUCCESS;
      }
      case od::json_type::null: {
        std::string_view text;
        return check_scalar(value, t, text);
      }
      case od::json_type::array:
        break;
      default:
        report_bad("tags", "an array of strings or a string", t);
        return walk_typed(value, t, kTopLevelValueDepth);
    }
    od::array array;
    SIMDJSON_TRY(value.get_array().get(array));
    long index = 0;
    for (auto element_result : array) {
      SIMDJSON_TRY(element_result.error());
      // simdjson's idiom: the rvalue overload hands the value over.
      od::value&& element =
          std::move(element_result).value_unsafe();  // NOLINT(performance-move-const-arg)
      od::json_type et;
      SIMDJSON_TRY(element.type().get(et));
      if (et == od::json_type::string) {
        std::string_view tag;
        SIMDJSON_TRY(read_string(element, tag));
        event_.tags.push_back(tag);
      } else {
        report_bad("tags", "a string", et, index);
        SIMDJSON_TRY(walk_typed(element, et, kTopLevelValueDepth + 1));
      }
      ++index;
    }
    return SUCCESS;
  }

  // host: a string, or an object (ECS) whose `name`, else `hostname`, is the host.
  error_code read_host(od::value& value) {
    od::json_type t;
    SIMDJSON_TRY(value.type().get(t));
    if (t == od::json_type::string) return read_string(value, event_.host);
    if (t == od::json_type::null) {
      std::string_view text;
      SIMDJSON_TRY(check_scalar(value, t, text));
      event_.host = {};
      return SUCCESS;
    }
    if (t != od::json_type::object) {
      report_bad("host", "a string or an object", t);
      return walk_typed(value, t, kTopLevelValueDepth);
    }
    od::object object;
    SIMDJSON_TRY(value.get_object().get(object));
    std::string_view name, hostname;
    for (auto field_result : object) {
      SIMDJSON_TRY(field_result.error());
      od::field&& field = std::move(field_result).value_unsafe();
      std::string_view key;
      SIMDJSON_TRY(read_key(field, key));
      od::value& inner = field.value();
      od::json_type it;
      SIMDJSON_TRY(inner.type().get(it));
      const bool is_name = key == "name", is_hostname = key == "hostname";
      if ((is_name || is_hostname) && it == od::json_type::string) {
        SIMDJSON_TRY(read_string(inner, is_name ? name : hostname));
      } else {
        // A non-string name or hostname does not count (a later string one still does).
        if (is_name) name = {};
        if (is_hostname) hostname = {};
        SIMDJSON_TRY(walk_typed(inner, it, kTopLevelValueDepth + 1));
      }
    }
    event_.host = name.data() != nullptr ? name : hostname;
    return SUCCESS;
  }

  // A field rules asked for: strings unescaped, other scalars and containers as JSON text.
  error_code read_extra(const std::string& name, od::value& value) {
    od::json_type t;
    SIMDJSON_TRY(value.type().get(t));
    std::string_view text;
    switch (t) {
      case od::json_type::string:
        SIMDJSON_TRY(read_string(value, text));
        break;
      case od::json_type::array:
      case od::json_type::object: {
        const char* start = value.raw_json_token().data();
        SIMDJSON_TRY(walk_typed(value, t, kTopLevelValueDepth));
        // The iterator now sits on the ',' or '}' after the container.
        const char* next = nullptr;
        SIMDJSON_TRY(doc_.current_location().get(next));
        while (next > start && is_json_space(next[-1])) --next;
        text = std::string_view(start, static_cast<size_t>(next - start));
        break;
      }
      default:
        SIMDJSON_TRY(check_scalar(value, t, text));
        break;
    }
    std::string_view field_name(name);
    for (Field& f : event_.fields) {
      if (f.name.data() == field_name.data()) {  // a duplicate key: the last one wins
        f.value = text;
        return SUCCESS;
      }
    }
    event_.fields.push_back(Field{field_name, text});
    return SUCCESS;
  }

  // Validates any value; `depth` is the nesting level the value sits at.
  error_code walk(od::value& value, size_t depth) {
    od::json_type t;
    SIMDJSON_TRY(value.type().get(t));
    return walk_typed(value, t, depth);
  }

  error_code walk_typed(od::value& value, od::json_type t, size_t depth) {
    switch (t) {
      case od::json_type::array: {
        if (depth >= max_depth_) return simdjson::DEPTH_ERROR;
        od::array array;
        SIMDJSON_TRY(value.get_array().get(array));
        for (auto element_result : array) {
          SIMDJSON_TRY(element_result.error());
          // simdjson's idiom: the rvalue overload hands the value over.
          od::value&& element =
              std::move(element_result).value_unsafe();  // NOLINT(performance-move-const-arg)
          SIMDJSON_TRY(walk(element, depth + 1));
        }
        return SUCCESS;
      }
      case od::json_type::object: {
        if (depth >= max_depth_) return simdjson::DEPTH_ERROR;
        od::object object;
        SIMDJSON_TRY(value.get_object().get(object));
        for (auto field_result : object) {
          SIMDJSON_TRY(field_result.error());
          od::field&& field = std::move(field_result).value_unsafe();
          std::string_view key;
          SIMDJSON_TRY(read_key(field, key));
          SIMDJSON_TRY(walk(field.value(), depth + 1));
        }
        return SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        return read_string(value, s);
      }
      default: {
        std::string_view text;
        return check_scalar(value, t, text);
      }
    }
  }

  // A key without escapes is used in place; one with escapes is unescaped (and so validated)
  // into the parser's string buffer.
  error_code read_key(od::field& field, std::string_view& key) {
    const char* p = field.key().raw();
    const char* q = p;
    while (q < end_ && *q != '"' && *q != '\\') ++q;
    if (q < end_ && *q == '"') {
      key = std::string_view(p, static_cast<size_t>(q - p));
      return SUCCESS;
    }
    return field.unescaped_key().get(key);
  }

  // A string value, unescaped by simdjson into the parser's string buffer (bad escapes are
  // rejected). Copying every string measured faster than searching each for a backslash
  // to point into the payload copy instead: the copy is SIMD and the search a libc call.
  error_code read_string(od::value& value, std::string_view& out) {
    return value.get_string().get(out);
  }

  // A number, boolean or null: checks its syntax and returns its JSON text.
  error_code check_scalar(od::value& value, od::json_type t, std::string_view& text) {
    text = trim_json_space_right(value.raw_json_token());
    switch (t) {
      case od::json_type::number:
        return is_json_number(text) ? SUCCESS : simdjson::NUMBER_ERROR;
      case od::json_type::boolean:
        if (text == "true") return SUCCESS;
        if (text == "false") return SUCCESS;
        return text.front() == 't' ? simdjson::T_ATOM_ERROR : simdjson::F_ATOM_ERROR;
      case od::json_type::null:
        return text == "null" ? SUCCESS : simdjson::N_ATOM_ERROR;
      default:
        return simdjson::INCORRECT_TYPE;
    }
  }

  void report_bad(std::string_view field, std::string_view expected, od::json_type actual,
                  long element = -1) {
    if (bad_.found) return;
    bad_ = BadField{true, field, expected, actual, element};
  }

  od::document& doc_;
  const char* end_;  // end of the payload in the padded copy
  size_t max_depth_;
  const std::vector<std::string>& extra_fields_;
  Event& event_;
  BadField bad_;
  std::string_view key_;  // the top-level key being read
  bool in_value_ = false;
  bool after_object_ = false;
};

void reset_event(Event& event) {
  event.message = {};
  event.timestamp_text = {};
  event.timestamp_ms = event.source.kafka_timestamp_ms;
  event.type = {};
  event.host = {};
  event.path = {};
  event.tags.clear();
  event.fields.clear();
  event.structured = true;
}

// simdjson reads up to SIMDJSON_PADDING bytes past a document; their content does not
// matter, only that they are readable. Memory is mapped in whole pages, so the bytes after a
// record's last one in the same page are: only records ending within SIMDJSON_PADDING of a
// page's end (about 1 in 64) need the padded copy. Under AddressSanitizer every record is
// copied, since it would report those reads past the allocation.
bool padding_readable(std::string_view payload) {
#if defined(__SANITIZE_ADDRESS__)
  (void)payload;
  return false;
#else
  constexpr uintptr_t kPage = 4096;  // the smallest page size; larger ones are multiples of it
  const uintptr_t last = reinterpret_cast<uintptr_t>(payload.data()) + payload.size() - 1;
  return last % kPage + simdjson::SIMDJSON_PADDING < kPage;
#endif
}

}  // namespace

std::string_view to_string(DecodeError e) {
  switch (e) {
    case DecodeError::none:
      return "none";
    case DecodeError::empty:
      return "empty";
    case DecodeError::oversized:
      return "oversized";
    case DecodeError::invalid_utf8:
      return "invalid_utf8";
    case DecodeError::malformed_json:
      return "malformed_json";
    case DecodeError::bad_field:
      return "bad_field";
  }
  return "unknown";
}

Decoder::Decoder(DecodeOptions options)
    : options_(std::move(options)), dom_(options_.max_event_bytes) {}

DecodeError Decoder::decode(std::string_view payload, Event& event) {
  reset_event(event);
  detail_.clear();
  const size_t length = payload.size();
  if (length > options_.max_event_bytes) {
    detail_ = "payload of " + std::to_string(length) + " bytes exceeds max_event_bytes " +
              std::to_string(options_.max_event_bytes);
    return DecodeError::oversized;
  }
  size_t first = 0;
  while (first < length && is_blank(payload[first])) ++first;
  if (first == length) {
    detail_ = length == 0 ? "empty payload"
                          : "payload is only whitespace (" + std::to_string(length) + " bytes)";
    return DecodeError::empty;
  }
  const bool json = payload[first] == '{' && !options_.plain;
  // The common event is read in place when the bytes simdjson reads past its end are
  // readable; every other record from the padded copy.
  const bool in_place = json && padding_readable(payload);
  if (in_place && dom_.read(payload.data(), length, options_.extra_fields, event)) {
    stamp(event);
    return DecodeError::none;
  }
  copy_padded(payload);
  if (!json) {
    if (!simdjson::validate_utf8(payload.data(), length)) return invalid_utf8();
    return decode_plain(length, event);
  }
  // simdjson's stage 1 validates the UTF-8 of the whole document, so a document that
  // decodes is valid UTF-8; only a failed one is checked again, since invalid UTF-8
  // outranks every other error.
  DecodeError e = decode_json(length, /*dom_tried=*/in_place, event);
  if (e != DecodeError::none && !simdjson::validate_utf8(payload.data(), length)) {
    reset_event(event);
    return invalid_utf8();
  }
  return e;
}

DecodeError Decoder::invalid_utf8() {
  detail_ = "invalid UTF-8";
  return DecodeError::invalid_utf8;
}

void Decoder::copy_padded(std::string_view payload) {
  const size_t needed = payload.size() + simdjson::SIMDJSON_PADDING;
  if (padded_.size() < needed) padded_.resize(needed);
  std::memcpy(padded_.data(), payload.data(), payload.size());
  std::memset(padded_.data() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
}

DecodeError Decoder::decode_plain(size_t length, Event& event) {
  std::string_view line(padded_.data(), length);
  if (line.ends_with("\r\n")) {
    line.remove_suffix(2);
  } else if (line.ends_with('\n')) {
    line.remove_suffix(1);
  }
  event.structured = false;
  event.message = line;
  // The line's own time when it starts with one (the Kafka timestamp is when it was shipped).
  if (auto t = find_log_timestamp_ms(line)) event.timestamp_ms = *t;
  return DecodeError::none;
}

DecodeError Decoder::decode_json(size_t length, bool dom_tried, Event& event) {
  if (!dom_tried && dom_.read(padded_.data(), length, options_.extra_fields, event)) {
    stamp(event);
    return DecodeError::none;
  }
  reset_event(event);
  // Grow the parser geometrically so records of slowly rising size do not each reallocate.
  if (parser_.capacity() < length) {
    const size_t grown = std::max(
        length, std::min(options_.max_event_bytes, std::max<size_t>(parser_.capacity() * 2, 4096)));
    if (error_code e = parser_.allocate(grown, parser_.max_depth())) {
      detail_ = "simdjson: ";
      detail_ += error_code_name(e);
      detail_ += " allocating a parser for " + std::to_string(length) + " bytes";
      return DecodeError::malformed_json;
    }
  }
  od::document doc;
  error_code e = parser_.iterate(padded_.data(), length, padded_.size()).get(doc);
  const bool iterated = !e;  // only then may `doc` be asked where it stopped
  JsonPass pass(doc, padded_.data(), length, parser_.max_depth(), options_.extra_fields, event);
  if (iterated) e = pass.run();
  if (e) {
    reset_event(event);
    detail_ = "simdjson: ";
    detail_ += error_code_name(e);
    detail_ += ' ';
    if (iterated) {
      pass.describe_position(detail_);
    } else {
      detail_ += "while indexing the document";
    }
    const char* location = nullptr;
    if (iterated && !doc.current_location().get(location) && location >= padded_.data() &&
        location <= padded_.data() + length) {
      detail_ += ", near byte " + std::to_string(location - padded_.data());
    }
    detail_ += " (";
    if (e == simdjson::DEPTH_ERROR) {
      detail_ += "nesting deeper than " + std::to_string(parser_.max_depth()) + " levels";
    } else if (e == simdjson::TRAILING_CONTENT) {
      detail_ += "content after the JSON object";
    } else {
      detail_ += simdjson::error_message(e);
    }
    detail_ += ')';
    return DecodeError::malformed_json;
  }
  if (const BadField& bad = pass.bad_field(); bad.found) {
    reset_event(event);
    detail_ = "field '";
    detail_ += bad.field;
    detail_ += '\'';
    if (bad.element >= 0) detail_ += " element " + std::to_string(bad.element);
    detail_ += " must be ";
    detail_ += bad.expected;
    detail_ += ", not ";
    detail_ += json_type_name(bad.actual);
    return DecodeError::bad_field;
  }
  stamp(event);
  return DecodeError::none;
}

// The event's time: its @timestamp when that parses, else the Kafka timestamp (as reset).
void Decoder::stamp(Event& event) {
  if (event.timestamp_text.empty()) return;
  if (auto ms = timestamp_ms(event.timestamp_text)) event.timestamp_ms = *ms;
}

// Events arrive about in time order, so most @timestamps ("2026-11-24T09:30:00.123Z") share
// their second with the previous event's: then only the milliseconds are read.
std::optional<int64_t> Decoder::timestamp_ms(std::string_view text) {
  const bool logstash_form = text.size() == 24 && text[19] == '.' && text[23] == 'Z';
  if (logstash_form && have_second_ && std::memcmp(text.data(), second_text_, 19) == 0) {
    unsigned a = static_cast<unsigned>(text[20] - '0'), b = static_cast<unsigned>(text[21] - '0'),
             c = static_cast<unsigned>(text[22] - '0');
    if (a <= 9 && b <= 9 && c <= 9) return second_ms_ + a * 100 + b * 10 + c;
  }
  std::optional<int64_t> ms = parse_timestamp_ms(text);
  if (ms && logstash_form) {
    std::memcpy(second_text_, text.data(), 19);
    second_ms_ = *ms - ((text[20] - '0') * 100 + (text[21] - '0') * 10 + (text[22] - '0'));
    have_second_ = true;
  }
  return ms;
}

}  // namespace klaxon
