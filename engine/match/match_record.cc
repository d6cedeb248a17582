#include "match/match_record.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/bytes.h"
#include "core/hash.h"

namespace klaxon {

namespace {

// The first `max_lines` lines of `message` (at most `max_bytes`), and its line count.
std::string_view head(std::string_view message, size_t max_lines, size_t max_bytes,
                      uint64_t& lines) {
  lines = message.empty() ? 0 : 1;
  size_t cut = std::string_view::npos;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '\n') continue;
    if (lines == max_lines && cut == std::string_view::npos) cut = i;
    if (i + 1 < message.size()) ++lines;
  }
  std::string_view h = message.substr(0, cut);
  if (h.size() > max_bytes) {
    size_t n = max_bytes;  // never split a UTF-8 sequence
    while (n > 0 && (static_cast<unsigned char>(h[n]) & 0xc0) == 0x80) --n;
    h = h.substr(0, n);
  }
  return h;
}

// A sample field's bytes: its first kMaxSampleFieldBytes, never splitting a UTF-8 sequence.
std::string_view bounded_field(std::string_view v) {
  if (v.size() <= kMaxSampleFieldBytes) return v;
  size_t n = kMaxSampleFieldBytes;  // back over at most 3 bytes of a UTF-8 sequence
  for (int i = 0; i < 3 && (static_cast<unsigned char>(v[n]) & 0xc0) == 0x80; ++i) --n;
  return v.substr(0, n);
}

uint64_t count_lines(std::string_view message) {
  uint64_t lines;
  head(message, SIZE_MAX, SIZE_MAX, lines);
  return lines;
}

}  // namespace

int32_t state_partition(std::string_view state_id, std::string_view group_key, int32_t partitions) {
  if (partitions <= 1) return 0;
  uint64_t h = fnv1a64(group_key, fnv1a64("\x1f", fnv1a64(state_id)));
  return static_cast<int32_t>(h % static_cast<uint64_t>(partitions));
}

void encode_match_record(const Event& event, const std::vector<std::string>& request_ids,
                         const std::vector<MatchEntry>& entries, const MatchRecordLimits& limits,
                         std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kMatchRecordVersion));
  put_signed_varint(out, event.timestamp_ms);
  put_bytes(out, event.source.topic);
  put_signed_varint(out, event.source.partition);
  put_signed_varint(out, event.source.offset);
  put_signed_varint(out, event.source.kafka_timestamp_ms);
  // The sample's fields are bounded like its message: whatever a record holds, a match
  // record stays far below Kafka's message size limit (a poison record must not stop the
  // engine on its repartition produce).
  put_bytes(out, bounded_field(event.host));
  put_bytes(out, bounded_field(event.path));
  put_bytes(out, bounded_field(event.type));
  size_t tags = std::min(event.tags.size(), kMaxSampleTags);
  put_varint(out, tags);
  for (size_t i = 0; i < tags; ++i) put_bytes(out, bounded_field(event.tags[i]));
  uint64_t lines;
  put_bytes(out, head(event.message, limits.message_lines, limits.message_bytes, lines));
  put_varint(out, lines);
  put_varint(out, request_ids.size());
  for (const auto& id : request_ids) put_bytes(out, id);
  put_varint(out, entries.size());
  for (const auto& e : entries) {
    put_bytes(out, e.state_id);
    put_bytes(out, e.group_key);
  }
}

bool decode_match_record(std::string_view in, MatchRecord& out) {
  ByteReader r(in);
  uint8_t version;
  if (!r.byte(version) || version != kMatchRecordVersion) return false;
  Sample& s = out.sample;
  int64_t partition;
  uint64_t tags, ids, entries;
  if (!r.signed_varint(out.event_time_ms) || !r.view(s.source.topic) ||
      !r.signed_varint(partition) || partition < INT32_MIN || partition > INT32_MAX ||
      !r.signed_varint(s.source.offset) || !r.signed_varint(s.source.kafka_timestamp_ms) ||
      !r.view(s.host) || !r.view(s.path) || !r.view(s.type) || !r.varint(tags) ||
      tags > r.remaining())
    return false;
  s.source.partition = static_cast<int32_t>(partition);
  s.tags.resize(static_cast<size_t>(tags));
  for (auto& t : s.tags)
    if (!r.view(t)) return false;
  if (!r.view(s.message) || !r.varint(s.message_lines) || !r.varint(ids) || ids > r.remaining())
    return false;
  out.request_ids.resize(static_cast<size_t>(ids));
  for (auto& id : out.request_ids)
    if (!r.view(id)) return false;
  if (!r.varint(entries) || entries > r.remaining()) return false;
  out.entries.resize(static_cast<size_t>(entries));
  for (auto& e : out.entries)
    if (!r.view(e.state_id) || !r.view(e.group_key)) return false;
  return r.remaining() == 0;
}

Sample sample_of(const Event& event) {
  Sample s;
  s.source = event.source;
  s.host = event.host;
  s.path = event.path;
  s.type = event.type;
  s.tags = event.tags;
  s.message = event.message;
  s.message_lines = count_lines(event.message);
  return s;
}

}  // namespace klaxon
