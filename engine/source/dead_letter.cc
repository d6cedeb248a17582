#include "source/dead_letter.h"

#include <algorithm>
#include <cstdlib>

#include "core/hash.h"

namespace klaxon {

namespace {
// Room for the key, the headers (detail text included) and the record's framing.
constexpr size_t kHeadroomBytes = 16 << 10;

// At most `max` bytes of `s`, never splitting a UTF-8 sequence (header values are text).
std::string_view utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  for (int i = 0; i < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80; ++i) --n;
  return s.substr(0, n);
}
}  // namespace

size_t dead_letter_value_limit(const std::map<std::string, std::string>& properties) {
  // Never above the default: message.max.bytes may be raised for the consumer's sake while
  // the brokers keep their ~1 MB limit, and a dead letter they refuse stops the engine.
  size_t max = kDefaultMessageMaxBytes;
  if (auto it = properties.find("message.max.bytes"); it != properties.end()) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
    if (end != it->second.c_str() && *end == '\0' && v > 0)
      max = std::min(max, static_cast<size_t>(v));
  }
  return max > 2 * kHeadroomBytes ? max - kHeadroomBytes : max / 2;
}

void DeadLetterWriter::send(const Record& record, std::string_view reason,
                            std::string_view detail) {
  send(record.topic, record.partition, record.offset, record.key, record.value, reason, detail);
}

void DeadLetterWriter::send(std::string_view topic, int32_t partition, int64_t offset,
                            std::string_view key, std::string_view value, std::string_view reason,
                            std::string_view detail) {
  std::string source =
      std::string(topic) + "/" + std::to_string(partition) + "/" + std::to_string(offset);
  std::vector<Header> headers = {{"klaxon.reason", std::string(reason)},
                                 {"klaxon.detail", std::string(utf8_prefix(detail, 4096))},
                                 {"klaxon.source", source}};
  if (!key.empty()) {
    headers.push_back({"klaxon.original_key", std::string(utf8_prefix(key, 4096))});
    if (key.size() > 4096)
      headers.push_back({"klaxon.original_key_bytes", std::to_string(key.size())});
  }
  std::string_view kept = value;
  if (value.size() > max_value_bytes_) {
    kept = value.substr(0, max_value_bytes_);
    headers.push_back({"klaxon.original_bytes", std::to_string(value.size())});
    headers.push_back({"klaxon.original_fnv1a", hex64(fnv1a64(value))});
    headers.push_back({"klaxon.truncated", "true"});
  }
  writer_.send(source + "@" + group_, kept, headers);
}

}  // namespace klaxon
