#include "app/rule_runner.h"

namespace klaxon {

RuleRunnerOptions rule_runner_options(const Config& config) {
  RuleRunnerOptions o;
  o.max_event_bytes = static_cast<size_t>(config.decode.max_event_bytes);
  o.logic.max_request_ids = static_cast<size_t>(config.alert.max_request_ids);
  o.logic.grace_ms = config.state.grace_period.count();
  o.alert.kibana_url = config.alert.kibana_url;
  o.alert.kibana_index_pattern = config.alert.kibana_index_pattern;
  o.alert.stack_trace_lines = static_cast<size_t>(config.alert.stack_trace_lines);
  o.request_id_keys = config.alert.request_id_keys;
  return o;
}

void RuleCounters::reset(size_t rules) {
  matches.assign(rules, 0);
  alerts.assign(rules, 0);
  suppressed.assign(rules, 0);
}

ActiveRules::ActiveRules(std::shared_ptr<const Matcher> m) : matcher(std::move(m)) {
  for (const auto& r : matcher->rules()) by_state_id[r.state_id()] = &r;
}

MatchStageOptions match_stage_options(const RuleRunnerOptions& options, int32_t partitions) {
  MatchStageOptions o;
  o.max_event_bytes = options.max_event_bytes;
  o.plain = options.plain;
  o.accept_from_ms = options.accept_from_ms;
  o.accept_to_ms = options.accept_to_ms;
  o.request_id_keys = options.request_id_keys;
  o.max_request_ids = options.logic.max_request_ids;
  o.limits.message_lines = options.alert.stack_trace_lines;
  o.partitions = partitions;
  return o;
}

RuleRunner::RuleRunner(const std::shared_ptr<const Matcher>& matcher, StateStore& store,
                       const RuleRunnerOptions& options, EmitFn emit)
    : rules_(std::make_unique<ActiveRules>(matcher)),
      match_(matcher, match_stage_options(options, 1)),
      task_(store, StateTaskOptions{options.logic, options.alert, 0, 1, {}},
            StateTask::Listener{
                [this, emit = std::move(emit)](const Rule& rule, const Alert& alert) {
                  ++counters_.alerts[rules_->index_of(rule)];
                  if (emit) emit(alert);
                },
                [this](const Rule& rule) { ++counters_.suppressed[rules_->index_of(rule)]; },
                {},
                {}}) {
  task_.use_rules(&rules_->by_state_id);
  counters_.reset(rules_->matcher->rules().size());
}

void RuleRunner::use_rules(std::shared_ptr<const Matcher> matcher) {
  auto next = std::make_unique<ActiveRules>(matcher);
  task_.use_rules(&next->by_state_id);
  match_.use_rules(std::move(matcher));
  rules_ = std::move(next);
  counters_.reset(rules_->matcher->rules().size());
}

RuleCounters& RuleRunner::counters() {
  std::vector<uint64_t> m = match_.take_matches();
  for (size_t i = 0; i < m.size() && i < counters_.matches.size(); ++i)
    counters_.matches[i] += m[i];
  return counters_;
}

DecodeError RuleRunner::process(std::string_view payload, const SourceRef& source) {
  routed_.clear();
  if (DecodeError e = match_.process(payload, source, routed_); e != DecodeError::none) return e;
  if (match_.last_outside()) {
    ++skipped_outside_;
    return DecodeError::none;
  }
  task_.observe_time(match_.event().timestamp_ms);
  for (const RoutedRecord& r : routed_)
    if (decode_match_record(r.value, record_)) task_.apply(record_);
  return DecodeError::none;
}

}  // namespace klaxon
