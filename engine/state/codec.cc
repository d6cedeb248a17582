#include "state/codec.h"

#include <cstdint>

#include "core/bytes.h"

namespace klaxon::state_codec {
using Reader = ByteReader;

void group_key_into(std::string& out, std::string_view rule, std::string_view group_key) {
  out.clear();
  out.reserve(kGroupPrefix.size() + rule.size() + 1 + group_key.size());
  out.append(kGroupPrefix);
  out.append(rule);
  out.push_back('\x1f');
  out.append(group_key);
}

std::string group_key(std::string_view rule, std::string_view group_key) {
  std::string out;
  group_key_into(out, rule, group_key);
  return out;
}

bool parse_group_key(std::string_view key, std::string_view& rule, std::string_view& group) {
  if (!key.starts_with(kGroupPrefix)) return false;
  key.remove_prefix(kGroupPrefix.size());
  size_t sep = key.find('\x1f');
  if (sep == std::string_view::npos) return false;
  rule = key.substr(0, sep);
  group = key.substr(sep + 1);
  return true;
}

namespace {
uint64_t sortable(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
int64_t unsortable(uint64_t v) { return static_cast<int64_t>(v ^ (uint64_t{1} << 63)); }
}  // namespace

std::string timer_key(int64_t due_ms, std::string_view group_key) {
  std::string out(kTimerPrefix);
  out += encode_fixed64(sortable(due_ms));
  out.append(group_key);
  return out;
}

bool parse_timer_key(std::string_view key, int64_t& due_ms, std::string_view& group_key) {
  if (!key.starts_with(kTimerPrefix) || key.size() < kTimerPrefix.size() + 8) return false;
  uint64_t v;
  if (!decode_fixed64(key.substr(kTimerPrefix.size(), 8), v)) return false;
  due_ms = unsortable(v);
  group_key = key.substr(kTimerPrefix.size() + 8);
  return true;
}

std::string timers_due_end(int64_t due_ms) {
  if (due_ms == INT64_MAX) return std::string("t\x20");
  std::string out(kTimerPrefix);
  out += encode_fixed64(sortable(due_ms + 1));
  return out;
}

std::string outbox_key(uint64_t seq) {
  std::string out(kOutboxPrefix);
  out += encode_fixed64(seq);
  return out;
}

bool decode_outbox_key(std::string_view key, uint64_t& seq) {
  if (!key.starts_with(kOutboxPrefix)) return false;
  return decode_fixed64(key.substr(kOutboxPrefix.size()), seq);
}

std::string alert_index_key(std::string_view alert_id) {
  std::string out(kAlertIndexPrefix);
  out.append(alert_id);
  return out;
}

std::string offset_key(std::string_view stream, int32_t partition) {
  std::string out(kOffsetPrefix);
  out.append(stream);
  out.push_back('\x1f');
  out += std::to_string(partition);
  return out;
}

// Group value: version, count, suppressed, first_seen, last_seen, last_alert (times
// zigzag varints), number of request ids, then each id length-prefixed; number of times,
// then each as a zigzag delta from the one before; since, firing, window start, window
// count, previous count, window alerted, timer due; since version 3, next count.
void encode_group(const GroupState& state, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kGroupVersion));
  put_varint(out, state.count);
  put_varint(out, state.suppressed);
  put_varint(out, zigzag(state.first_seen_ms));
  put_varint(out, zigzag(state.last_seen_ms));
  put_varint(out, zigzag(state.last_alert_ms));
  put_varint(out, state.request_ids.size());
  for (const auto& id : state.request_ids) put_bytes(out, id);
  put_varint(out, state.times.size());
  int64_t prev = 0;
  for (int64_t t : state.times) {
    put_varint(
        out, zigzag(static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(prev))));
    prev = t;
  }
  put_varint(out, zigzag(state.since_ms));
  put_varint(out, state.firing ? 1 : 0);
  put_varint(out, zigzag(state.window_start_ms));
  put_varint(out, state.window_count);
  put_varint(out, state.previous_count);
  put_varint(out, state.window_alerted ? 1 : 0);
  put_varint(out, zigzag(state.timer_due_ms));
  put_varint(out, state.next_count);
}

bool decode_group(std::string_view in, GroupState& out) {
  Reader r(in);
  uint8_t version;
  if (!r.byte(version) || (version != kGroupVersion && version != 2)) return false;
  GroupState s;
  uint64_t ids;
  if (!r.varint(s.count) || !r.varint(s.suppressed) || !r.signed_varint(s.first_seen_ms) ||
      !r.signed_varint(s.last_seen_ms) || !r.signed_varint(s.last_alert_ms) || !r.varint(ids))
    return false;
  // Each id takes at least its length byte, so a larger count cannot be genuine.
  if (ids > r.remaining()) return false;
  s.request_ids.resize(static_cast<size_t>(ids));
  for (auto& id : s.request_ids)
    if (!r.bytes(id)) return false;
  uint64_t times;
  if (!r.varint(times) || times > r.remaining()) return false;
  s.times.resize(static_cast<size_t>(times));
  int64_t prev = 0;
  for (auto& t : s.times) {
    int64_t delta;
    if (!r.signed_varint(delta)) return false;
    t = static_cast<int64_t>(static_cast<uint64_t>(prev) + static_cast<uint64_t>(delta));
    prev = t;
  }
  uint64_t firing, alerted;
  if (!r.signed_varint(s.since_ms) || !r.varint(firing) || firing > 1 ||
      !r.signed_varint(s.window_start_ms) || !r.varint(s.window_count) ||
      !r.varint(s.previous_count) || !r.varint(alerted) || alerted > 1 ||
      !r.signed_varint(s.timer_due_ms))
    return false;
  s.firing = firing == 1;
  s.window_alerted = alerted == 1;
  if (version >= 3 && !r.varint(s.next_count)) return false;
  if (r.remaining() != 0) return false;
  out = std::move(s);
  return true;
}

// Outbox value: version, alert id, Kafka key, document, each length-prefixed.
void encode_outbox(const OutboxEntry& entry, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kOutboxVersion));
  put_bytes(out, entry.alert_id);
  put_bytes(out, entry.key);
  put_bytes(out, entry.document);
  out.push_back(entry.to_topic ? 1 : 0);
  put_varint(out, zigzag(entry.queued_ms));
  put_varint(out, entry.channels.size());
  for (const auto& c : entry.channels) put_bytes(out, c);
}

bool decode_outbox(std::string_view in, OutboxEntry& out) {
  Reader r(in);
  uint8_t version;
  if (!r.byte(version) || version < 1 || version > kOutboxVersion) return false;
  OutboxEntry e;
  if (!r.bytes(e.alert_id) || !r.bytes(e.key) || !r.bytes(e.document)) return false;
  if (version >= 2) {
    uint8_t to_topic;
    uint64_t queued, n;
    if (!r.byte(to_topic) || to_topic > 1 || !r.varint(queued) || !r.varint(n) || n > 1000)
      return false;
    e.to_topic = to_topic == 1;
    e.queued_ms = unzigzag(queued);
    e.channels.resize(n);
    for (auto& c : e.channels)
      if (!r.bytes(c)) return false;
  }
  if (r.remaining() != 0) return false;
  out = std::move(e);
  return true;
}

}  // namespace klaxon::state_codec
