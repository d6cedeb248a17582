// MatchStage: the stateless half of processing: decode -> match -> match records, one per
// state partition that the event's matches belong to (see match/match_record.h). In
// `klaxon run` they go to the repartition topic, keyed and partitioned by their group, so
// every match of a group meets the same state wherever its event was read.
//
// Thread: one thread. The matcher may be swapped between records (use_rules).
#pragma once

#include <climits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decode/decoder.h"
#include "match/match_record.h"
#include "match/matcher.h"

namespace klaxon {

struct MatchStageOptions {
  size_t max_event_bytes = 1 << 20;
  bool plain = false;  // every record is a plain log line (see DecodeOptions::plain)
  // Events outside [accept_from_ms, accept_to_ms] (event time) are decoded, not matched.
  int64_t accept_from_ms = INT64_MIN;
  int64_t accept_to_ms = INT64_MAX;
  std::vector<std::string> request_id_keys;
  size_t max_request_ids = 10;
  MatchRecordLimits limits;
  int32_t partitions = 1;  // state partitions
};

// A match record bound for one state partition.
struct RoutedRecord {
  int32_t partition = 0;
  std::string key;  // the first match's state id and group key
  std::string value;
};

class MatchStage {
 public:
  MatchStage(std::shared_ptr<const Matcher> matcher, MatchStageOptions options);

  // Decodes and matches one record and appends its match records to `out`. On a decode
  // error nothing else happens; detail() says what was wrong.
  DecodeError process(std::string_view payload, const SourceRef& source,
                      std::vector<RoutedRecord>& out);
  void use_rules(std::shared_ptr<const Matcher> matcher);

  const Matcher& matcher() const { return *matcher_; }
  const std::shared_ptr<const Matcher>& matcher_ptr() const { return matcher_; }
  // The last record decoded, and whether it fell outside the accepted time range.
  const Event& event() const { return event_; }
  bool last_outside() const { return last_outside_; }
  // Matches (rule hits) of the last record.
  size_t last_matches() const { return matches_.size(); }
  const std::string& detail() const { return decoder_->detail(); }
  // Matches per rule index of the active matcher since the last take.
  std::vector<uint64_t> take_matches();

 private:
  std::shared_ptr<const Matcher> matcher_;
  MatchStageOptions options_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<Matcher::Scratch> scratch_;
  std::vector<std::string> state_ids_;  // per rule index
  std::vector<uint64_t> matches_per_rule_;
  bool last_outside_ = false;

  // Per-record scratch, reused.
  Event event_;
  std::vector<Match> matches_;
  std::vector<std::string> request_ids_;
  std::vector<MatchEntry> entries_;
  std::vector<int32_t> partitions_;
};

}  // namespace klaxon
