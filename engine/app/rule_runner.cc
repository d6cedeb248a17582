#include "app/rule_runner.h"

#include <algorithm>

#include "core/time.h"
#include "match/request_ids.h"

namespace klaxon {

namespace {
// An event stamped further in the future than this does not move stream time: one bad
// clock must not expire every window.
constexpr int64_t kMaxFutureSkewMs = 60'000;
}  // namespace

void RuleCounters::reset(size_t rules) {
  matches.assign(rules, 0);
  alerts.assign(rules, 0);
  suppressed.assign(rules, 0);
}

RuleRunner::RuleRunner(std::shared_ptr<const Matcher> matcher, StateStore& store,
                       RuleRunnerOptions options, EmitFn emit)
    : options_(std::move(options)), emit_(std::move(emit)), evaluator_(store, options_.logic) {
  use_rules(std::move(matcher));
}

void RuleRunner::use_rules(std::shared_ptr<const Matcher> matcher) {
  matcher_ = std::move(matcher);
  decoder_ = std::make_unique<Decoder>(
      DecodeOptions{options_.max_event_bytes, matcher_->rule_set().extra_fields(), options_.plain});
  scratch_ = std::make_unique<Matcher::Scratch>(*matcher_);
  state_ids_.clear();
  rules_by_state_id_.clear();
  for (const auto& r : matcher_->rules()) {
    state_ids_.push_back(r.state_id());
    rules_by_state_id_[state_ids_.back()] = &r;
  }
  evaluator_.use_rules(&rules_by_state_id_);
  counters_.reset(matcher_->rules().size());
}

DecodeError RuleRunner::process(std::string_view payload, const SourceRef& source) {
  event_.source = source;
  if (DecodeError e = decoder_->decode(payload, event_); e != DecodeError::none) return e;
  if (event_.timestamp_ms < options_.accept_from_ms ||
      event_.timestamp_ms > options_.accept_to_ms) {
    ++skipped_outside_;
    return DecodeError::none;
  }
  if (event_.timestamp_ms > stream_time_ms_ && event_.timestamp_ms <= now_ms() + kMaxFutureSkewMs) {
    // Whatever fell due before this event happened first (a flatline that began before it).
    advance(event_.timestamp_ms - 1);
    stream_time_ms_ = event_.timestamp_ms;
  }
  matches_.clear();
  matcher_->match(event_, *scratch_, matches_);
  if (matches_.empty()) return DecodeError::none;
  request_ids_.clear();
  extract_request_ids(event_.message, options_.request_id_keys, options_.logic.max_request_ids,
                      request_ids_);
  for (const Match& match : matches_) {
    const Rule& rule = matcher_->rules()[match.rule_index];
    ++counters_.matches[match.rule_index];
    fired_.clear();
    if (evaluator_.on_match(rule, state_ids_[match.rule_index], match.group_key,
                            event_.timestamp_ms, request_ids_, fired_))
      ++counters_.suppressed[match.rule_index];
    for (const Firing& f : fired_) emit(rule, match.group_key, f, f.by_match ? &event_ : nullptr);
  }
  return DecodeError::none;
}

void RuleRunner::advance(int64_t now) {
  evaluator_.advance(now, [this](const Rule& rule, std::string_view group_key, const Firing& f) {
    emit(rule, group_key, f, nullptr);
  });
}

void RuleRunner::emit(const Rule& rule, std::string_view group_key, const Firing& firing,
                      const Event* event) {
  ++counters_.alerts[static_cast<size_t>(&rule - matcher_->rules().data())];
  emit_(make_alert(options_.alert, rule, group_key, firing, event));
}

}  // namespace klaxon
