#include "decode/dom_reader.h"

#include <algorithm>

#include "decode/standard_fields.h"

namespace klaxon {
namespace {

namespace dom = simdjson::dom;
using simdjson::dom::element_type;

// A string, or null (absent). Any other type: not for this path. Strings first: they are
// the common case, and asking for the type first reads the tape twice.
inline bool optional_string(dom::element value, std::string_view& out) {
  if (value.get_string().get(out) == simdjson::SUCCESS) return true;
  out = {};
  return value.is_null();
}

bool read_tags(dom::element value, Event& event) {
  event.tags.clear();
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return true;
    case element_type::STRING: {
      std::string_view tag;
      if (value.get_string().get(tag) != simdjson::SUCCESS) return false;
      event.tags.push_back(tag);
      return true;
    }
    case element_type::ARRAY: {
      dom::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return false;
      for (dom::element tag : array) {
        std::string_view text;
        if (tag.get_string().get(text) != simdjson::SUCCESS) return false;
        event.tags.push_back(text);
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool DomReader::read(const char* padded, size_t length,
                     const std::vector<std::string>& extra_fields, Event& event) {
  if (parser_.capacity() < length || parser_.max_depth() != kMaxDepth) {
    // Geometric growth, as the On-Demand parser's, so slowly rising sizes do not reallocate.
    size_t grown = std::max(
        length, std::min(max_event_bytes_, std::max<size_t>(parser_.capacity() * 2, 4096)));
    if (parser_.allocate(grown, kMaxDepth) != simdjson::SUCCESS) return false;
  }
  dom::object root;
  if (parser_.parse(padded, length, false).get_object().get(root) != simdjson::SUCCESS)
    return false;
  for (dom::key_value_pair field : root) {
    bool ok = true;
    switch (standard_field(field.key)) {
      case Standard::message:
        ok = optional_string(field.value, event.message);
        break;
      case Standard::timestamp:
        ok = optional_string(field.value, event.timestamp_text);
        break;
      case Standard::type:
        ok = optional_string(field.value, event.type);
        break;
      case Standard::path:
        ok = optional_string(field.value, event.path);
        break;
      case Standard::host:
        ok = optional_string(field.value, event.host);
        break;
      case Standard::tags:
        ok = read_tags(field.value, event);
        break;
      case Standard::none:
        for (const std::string& name : extra_fields) {
          if (name != field.key) continue;
          std::string_view text;
          if (field.value.get_string().get(text) != simdjson::SUCCESS) return false;
          std::string_view field_name(name);
          auto same = [&](const Field& f) { return f.name.data() == field_name.data(); };
          auto it = std::find_if(event.fields.begin(), event.fields.end(), same);
          if (it != event.fields.end()) {
            it->value = text;  // a duplicate key: the last one wins
          } else {
            event.fields.push_back(Field{field_name, text});
          }
          break;
        }
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace klaxon
