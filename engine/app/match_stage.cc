#include "app/match_stage.h"

#include <algorithm>

#include "match/request_ids.h"

namespace klaxon {

MatchStage::MatchStage(std::shared_ptr<const Matcher> matcher, MatchStageOptions options)
    : options_(std::move(options)) {
  use_rules(std::move(matcher));
}

void MatchStage::use_rules(std::shared_ptr<const Matcher> matcher) {
  matcher_ = std::move(matcher);
  decoder_ = std::make_unique<Decoder>(
      DecodeOptions{options_.max_event_bytes, matcher_->rule_set().extra_fields(), options_.plain});
  scratch_ = std::make_unique<Matcher::Scratch>(*matcher_);
  state_ids_.clear();
  for (const auto& r : matcher_->rules()) state_ids_.push_back(r.state_id());
  matches_per_rule_.assign(matcher_->rules().size(), 0);
}

std::vector<uint64_t> MatchStage::take_matches() {
  std::vector<uint64_t> out(matches_per_rule_.size(), 0);
  out.swap(matches_per_rule_);
  return out;
}

DecodeError MatchStage::process(std::string_view payload, const SourceRef& source,
                                std::vector<RoutedRecord>& out) {
  last_outside_ = false;
  matches_.clear();
  event_.source = source;
  if (DecodeError e = decoder_->decode(payload, event_); e != DecodeError::none) return e;
  if (event_.timestamp_ms < options_.accept_from_ms ||
      event_.timestamp_ms > options_.accept_to_ms) {
    last_outside_ = true;
    return DecodeError::none;
  }
  matcher_->match(event_, *scratch_, matches_);
  if (matches_.empty()) return DecodeError::none;
  request_ids_.clear();
  extract_request_ids(event_.message, options_.request_id_keys, options_.max_request_ids,
                      request_ids_);
  partitions_.clear();
  for (const Match& m : matches_) {
    ++matches_per_rule_[m.rule_index];
    partitions_.push_back(
        state_partition(state_ids_[m.rule_index], m.group_key, options_.partitions));
  }
  // One record per partition, with that partition's matches in rule order.
  for (size_t i = 0; i < matches_.size(); ++i) {
    int32_t p = partitions_[i];
    if (std::find(partitions_.begin(), partitions_.begin() + static_cast<ptrdiff_t>(i), p) !=
        partitions_.begin() + static_cast<ptrdiff_t>(i))
      continue;  // done with the first match of that partition
    entries_.clear();
    for (size_t j = i; j < matches_.size(); ++j)
      if (partitions_[j] == p)
        entries_.push_back({state_ids_[matches_[j].rule_index], matches_[j].group_key});
    RoutedRecord& r = out.emplace_back();
    r.partition = p;
    r.key = std::string(entries_[0].state_id) + '\x1f' + std::string(entries_[0].group_key);
    encode_match_record(event_, request_ids_, entries_, options_.limits, r.value);
  }
  return DecodeError::none;
}

}  // namespace klaxon
