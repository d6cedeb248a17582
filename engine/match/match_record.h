// MatchRecord: one event's matches that belong to one state partition, as the match stage
// hands them to the state stage: through the repartition topic in `klaxon run`, directly
// in `klaxon rules test`. It carries what the state stage needs (each match's rule state
// id and group key, the event time, request ids, where the event came from, so a replay is
// recognised) and what an alert shows of the event (the sample), never the whole event:
// the message is cut to its first lines.
//
// State partition of a match: fnv1a64(state id, 0x1f, group key) mod partitions, so every
// match of one (rule, group) meets the same state, whichever input partition it came from.
// The value of that hash must never change: it places stored state.
//
// Encoding: version byte, then varints and length-prefixed strings (core/bytes.h). The
// decoded record's views point into the encoded bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace klaxon {

// What an alert shows of the event that fired it.
struct Sample {
  SourceRef source;
  std::string_view host, path, type;
  std::vector<std::string_view> tags;
  std::string_view message;    // its first lines (MatchRecordLimits)
  uint64_t message_lines = 0;  // lines of the whole message
};

struct MatchEntry {
  std::string_view state_id;   // Rule::state_id()
  std::string_view group_key;  // the group within the rule
};

struct MatchRecord {
  int64_t event_time_ms = 0;
  Sample sample;
  std::vector<std::string_view> request_ids;
  std::vector<MatchEntry> entries;
};

// host, path, type and each tag of the sample are cut to this many bytes; at most this many
// tags are kept.
inline constexpr size_t kMaxSampleFieldBytes = 4096;
inline constexpr size_t kMaxSampleTags = 64;

struct MatchRecordLimits {
  size_t message_lines = 50;         // alert.stack_trace_lines
  size_t message_bytes = 256 << 10;  // a bound on the sample whatever its lines
};

inline constexpr uint8_t kMatchRecordVersion = 1;

int32_t state_partition(std::string_view state_id, std::string_view group_key, int32_t partitions);

// Writes `event`'s record with `entries` into `out` (replacing its contents).
void encode_match_record(const Event& event, const std::vector<std::string>& request_ids,
                         const std::vector<MatchEntry>& entries, const MatchRecordLimits& limits,
                         std::string& out);
// False when `in` is not a record this version wrote in full.
bool decode_match_record(std::string_view in, MatchRecord& out);

// The sample of an event (all its message) without encoding, for in-process use.
Sample sample_of(const Event& event);

}  // namespace klaxon
