// JsonWriter: appends compact JSON to a std::string, escaping strings per RFC 8259.
// Invalid UTF-8 is replaced with U+FFFD so the output is always valid JSON.
// Not thread-safe; cheap to create; reuse the output string to avoid allocations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& field(std::string_view k, std::string_view v);
  JsonWriter& field(std::string_view k, const char* v) { return field(k, std::string_view(v)); }
  JsonWriter& field(std::string_view k, int64_t v);
  JsonWriter& field(std::string_view k, uint64_t v);
  JsonWriter& field(std::string_view k, int32_t v) { return field(k, static_cast<int64_t>(v)); }
  JsonWriter& field(std::string_view k, bool v);
  JsonWriter& field(std::string_view k, const std::vector<std::string>& values);
  JsonWriter& value(std::string_view v);  // a string element inside an array

 private:
  void comma();
  std::string& out_;
  bool first_ = true;
};

}  // namespace klaxon
