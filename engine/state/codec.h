// Keys and values of the state database (internal to engine/state; exposed for its tests).
//
// Key layout, one RocksDB default column family, a one-letter prefix and 0x1f per kind:
//   g\x1f<rule>\x1f<group key>      -> GroupState            (encode_group); <rule> is the
//                                     rule's state id (Rule::state_id)
//   t\x1f<due, 8 bytes>g\x1f<rule>\x1f<group key> -> empty: a timer of that group, due at
//                                     `due` (ms, sign bit flipped so keys sort by time)
//   o\x1f<seq, 8 bytes big-endian>  -> OutboxEntry           (encode_outbox), oldest first
//   a\x1f<alert id>                 -> seq, 8 bytes big-endian (index for remove_alert)
//   p\x1f<stream>\x1f<partition>    -> offset, 8 bytes big-endian two's complement
//   m\x1fgroups                     -> number of group keys, 8 bytes big-endian
//   m\x1fstream_time                -> the partition's stream time (ms), 8 bytes big-endian
//                                     two's complement: it moves with the partition
//   l\x1fcheckpoint                 -> local only (not changelogged): changelog name, then
//                                     the offset of the last changelog batch applied
// Rule names and stream names must not contain 0x1f; group keys and alert ids may hold
// any bytes since they end the key.
//
// Values start with a version byte. Decoders never read past the input and return false on
// anything they do not fully understand: unknown version, truncation, trailing bytes,
// oversized counts.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "state/group_state.h"
#include "state/state_store.h"

namespace klaxon::state_codec {

inline constexpr std::string_view kGroupPrefix = "g\x1f";
inline constexpr std::string_view kOutboxPrefix = "o\x1f";
inline constexpr std::string_view kAlertIndexPrefix = "a\x1f";
inline constexpr std::string_view kOffsetPrefix = "p\x1f";
inline constexpr std::string_view kTimerPrefix = "t\x1f";
inline constexpr std::string_view kGroupCountKey = "m\x1fgroups";
inline constexpr std::string_view kStreamTimeKey = "m\x1fstream_time";
inline constexpr std::string_view kLocalPrefix = "l\x1f";
inline constexpr std::string_view kCheckpointKey =
    "l\x1f"
    "checkpoint";

inline constexpr uint8_t kGroupVersion = 3;   // 2: the same without next_count
inline constexpr uint8_t kOutboxVersion = 2;  // 2 adds targets and queued time

// Keys. The *_into forms reuse `out` to avoid allocating on the hot path.
void group_key_into(std::string& out, std::string_view rule, std::string_view group_key);
std::string group_key(std::string_view rule, std::string_view group_key);
// Splits a group key into rule and group; false when it is not one.
bool parse_group_key(std::string_view key, std::string_view& rule, std::string_view& group);
// A timer key: the due time, then the group's key.
std::string timer_key(int64_t due_ms, std::string_view group_key);
bool parse_timer_key(std::string_view key, int64_t& due_ms, std::string_view& group_key);
// The first key after every timer due at or before `due_ms`.
std::string timers_due_end(int64_t due_ms);
std::string outbox_key(uint64_t seq);
bool decode_outbox_key(std::string_view key, uint64_t& seq);
std::string alert_index_key(std::string_view alert_id);
std::string offset_key(std::string_view stream, int32_t partition);

// 8-byte big-endian integers (offsets, sequence numbers, the group count).
using klaxon::decode_fixed64;
using klaxon::encode_fixed64;

void encode_group(const GroupState& state, std::string& out);
bool decode_group(std::string_view in, GroupState& out);

void encode_outbox(const OutboxEntry& entry, std::string& out);
bool decode_outbox(std::string_view in, OutboxEntry& out);

}  // namespace klaxon::state_codec
