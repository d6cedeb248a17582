#include "sink/bulk_response.h"

#include <simdjson.h>

namespace klaxon {

namespace {

using simdjson::ondemand::object;

std::string error_text(simdjson::error_code e) { return simdjson::error_message(e); }

// Reads one item: {"<action>":{"status":N,"error":{"type":..,"reason":..}}}.
simdjson::error_code read_item(object item, BulkItemResult& out) {
  for (auto action : item) {
    object result;
    if (auto e = action.value().get_object().get(result)) return e;
    for (auto field : result) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      if (key == "status") {
        int64_t status;
        if (auto e = field.value().get_int64().get(status)) return e;
        out.status = static_cast<int>(status);
      } else if (key == "error") {
        // Usually an object; some proxies answer a plain string.
        auto value = field.value();
        simdjson::ondemand::json_type type;
        if (auto e = value.type().get(type)) return e;
        if (type == simdjson::ondemand::json_type::string) {
          std::string_view reason;
          if (auto e = value.get_string().get(reason)) return e;
          out.error_type = "error";
          out.reason = std::string(reason);
          continue;
        }
        object error;
        if (auto e = value.get_object().get(error)) return e;
        for (auto ef : error) {
          std::string_view ekey;
          if (auto e = ef.unescaped_key().get(ekey)) return e;
          std::string_view text;
          if (ekey == "type" && !ef.value().get_string().get(text)) out.error_type = text;
          if (ekey == "reason" && !ef.value().get_string().get(text)) out.reason = text;
        }
      }
    }
    return simdjson::SUCCESS;  // one action per item
  }
  return simdjson::INCORRECT_TYPE;
}

}  // namespace

ItemVerdict item_verdict(int status) {
  if (status >= 200 && status < 300) return ItemVerdict::indexed;
  if (status == 429 || status >= 500) return ItemVerdict::retry;
  return ItemVerdict::refused;
}

bool parse_bulk_response(std::string_view body, size_t expected_items, BulkResponse& out,
                         std::string& error) {
  out = BulkResponse{};
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    error = "not JSON: " + error_text(e);
    return false;
  }
  object root;
  if (auto e = doc.get_object().get(root)) {
    error = "not a JSON object: " + error_text(e);
    return false;
  }
  bool have_errors = false;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) {
      error = error_text(e);
      return false;
    }
    if (key == "errors") {
      if (auto e = field.value().get_bool().get(out.errors)) {
        error = "errors: " + error_text(e);
        return false;
      }
      have_errors = true;
      if (!out.errors) return true;  // every item succeeded: no need to read them
    } else if (key == "items") {
      simdjson::ondemand::array items;
      if (auto e = field.value().get_array().get(items)) {
        error = "items: " + error_text(e);
        return false;
      }
      for (auto item : items) {
        object o;
        BulkItemResult r;
        if (auto e = item.get_object().get(o); e || (e = read_item(o, r))) {
          error = "item " + std::to_string(out.items.size()) + ": " + error_text(e);
          return false;
        }
        out.items.push_back(std::move(r));
      }
    }
  }
  if (!have_errors) {
    error = "no 'errors' field";
    return false;
  }
  if (out.items.size() != expected_items) {
    error = std::to_string(out.items.size()) + " items for " + std::to_string(expected_items) +
            " documents";
    return false;
  }
  return true;
}

}  // namespace klaxon
