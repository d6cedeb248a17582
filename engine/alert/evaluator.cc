#include "alert/evaluator.h"

#include <algorithm>
#include <climits>

#include "state/codec.h"

namespace klaxon {

namespace codec = state_codec;

namespace {
void stamp(const GroupState& state, std::vector<Firing>& fired, size_t from) {
  for (size_t i = from; i < fired.size(); ++i) {
    fired[i].first_seen_ms = state.first_seen_ms;
    fired[i].last_seen_ms = state.last_seen_ms;
  }
}
}  // namespace

Evaluator::Evaluator(StateStore& store, LogicOptions options, OwnsFn owns)
    : store_(store), options_(options), owns_(std::move(owns)) {}

void Evaluator::use_rules(const RulesByStateId* rules, const RulesByStateId* retired) {
  rules_ = rules;
  retired_ = retired;
  standing_.clear();
  for (const auto& [state_id, rule] : *rules)
    if (rule->type == RuleType::flatline && rule->group_by == GroupBy::rule &&
        (!owns_ || owns_(state_id, rule->name)))
      standing_.push_back(rule);
}

Evaluator::Cached& Evaluator::load(const std::string& key, bool& fresh) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    Cached& c = it->second;
    fresh = c.erased;
    if (c.erased) {
      c.state = GroupState{};
      c.erased = false;
    }
    return c;
  }
  Cached c;
  fresh = true;
  if (store_.get(key, value_)) {
    c.stored = true;
    // A value that does not decode starts the group over; its key is overwritten.
    fresh = !codec::decode_group(value_, c.state);
    if (fresh) c.state = GroupState{};
  }
  return cache_.emplace(key, std::move(c)).first->second;
}

void Evaluator::save(const Rule& rule, const std::string& key, Cached& group) {
  group.dirty = true;
  int64_t due = logic_for(rule.type).next_due(rule, group.state, options_);
  if (due == INT64_MAX) return;
  // One live timer per group: an earlier one replaces it; a later one waits until the
  // current one fires (the group then registers again), so timers are rarely rewritten.
  if (group.state.timer_due_ms != 0 && group.state.timer_due_ms <= due) return;
  store_.put(codec::timer_key(due, key), "");
  group.state.timer_due_ms = due;
  if (earliest_timer_ != kUnknown) earliest_timer_ = std::min(earliest_timer_, due);
}

bool Evaluator::on_match(const Rule& rule, std::string_view state_id, std::string_view group_key,
                         int64_t event_time_ms, const std::vector<std::string>& request_ids,
                         std::vector<Firing>& fired) {
  codec::group_key_into(key_, state_id, group_key);
  bool fresh;
  Cached& group = load(key_, fresh);
  size_t before = fired.size();
  uint64_t suppressed_before = group.state.suppressed;
  logic_for(rule.type).on_match(rule, group.state, fresh, event_time_ms, request_ids, options_,
                                fired);
  stamp(group.state, fired, before);
  save(rule, key_, group);
  // Every type counts what realert holds back in `suppressed` and resets it when it fires.
  return group.state.suppressed > suppressed_before;
}

void Evaluator::activate(int64_t now) {
  for (const Rule* rule : standing_) {
    std::string state_id = rule->state_id();
    if (activated_.count(state_id)) continue;
    std::string key = codec::group_key(state_id, rule->name);
    bool fresh;
    Cached& group = load(key, fresh);
    if (fresh) {
      group.state.since_ms = now;  // never matched yet: watched from now on
      save(*rule, key, group);
    }
    activated_.insert(std::move(state_id));
  }
}

int64_t Evaluator::newest_last_seen() {
  int64_t newest = 0;
  std::string end(codec::kGroupPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  GroupState g;
  store_.scan(codec::kGroupPrefix, end, [&](std::string_view, std::string_view value) {
    if (codec::decode_group(value, g)) newest = std::max(newest, g.last_seen_ms);
    return true;
  });
  return newest;
}

int64_t Evaluator::earliest_timer() {
  if (earliest_timer_ != kUnknown) return earliest_timer_;
  earliest_timer_ = INT64_MAX;
  store_.scan(codec::kTimerPrefix, codec::timers_due_end(INT64_MAX),
              [&](std::string_view key, std::string_view) {
                std::string_view group;
                int64_t due;
                if (codec::parse_timer_key(key, due, group)) earliest_timer_ = due;
                return false;
              });
  return earliest_timer_;
}

void Evaluator::advance(int64_t now, const FiredFn& fired, size_t max_timers) {
  if (now <= 0 || rules_ == nullptr) return;  // no time yet: nothing read and not caught up
  activate(now);
  if (now < earliest_timer()) return;
  // A timer runs at its own due time, not at `now`: a flatline fires at the moment the
  // group went quiet however late time was advanced. What it schedules up to `now` runs in
  // the next round.
  std::vector<std::string> due;
  std::vector<Firing> out;
  size_t handled = 0;
  for (;;) {
    due.clear();
    store_.scan(codec::kTimerPrefix, codec::timers_due_end(now),
                [&](std::string_view key, std::string_view) {
                  due.emplace_back(key);
                  return handled + due.size() < max_timers;
                });
    if (due.empty()) break;
    handled += due.size();
    run_timers(due, fired, out);
    if (handled >= max_timers) return;  // the rest next time; the hint stays as it was
  }
  earliest_timer_ = kUnknown;  // everything up to now ran: look it up again when needed
}

void Evaluator::run_timers(const std::vector<std::string>& due, const FiredFn& fired,
                           std::vector<Firing>& out) {
  for (const std::string& timer : due) {
    store_.erase(timer);
    int64_t due_ms;
    std::string_view group_key, state_id, group;
    if (!codec::parse_timer_key(timer, due_ms, group_key) ||
        !codec::parse_group_key(group_key, state_id, group))
      continue;
    std::string key(group_key);
    bool fresh;
    Cached& cached = load(key, fresh);
    if (fresh) {  // the group is gone already
      cached.erased = true;
      continue;
    }
    auto rule_it = rules_->find(std::string(state_id));
    if (rule_it == rules_->end() && retired_ != nullptr) {  // replaced by a recent reload
      rule_it = retired_->find(std::string(state_id));
      if (rule_it == retired_->end()) rule_it = rules_->end();
    }
    if (rule_it == rules_->end()) {  // its rule was removed or changed identity
      cached.erased = cached.dirty = true;
      activated_.erase(std::string(state_id));
      continue;
    }
    if (cached.state.timer_due_ms != due_ms) continue;  // superseded by an earlier timer
    cached.state.timer_due_ms = 0;
    const Rule& rule = *rule_it->second;
    const RuleLogic& logic = logic_for(rule.type);
    out.clear();
    logic.on_time(rule, cached.state, due_ms, options_, out);
    stamp(cached.state, out, 0);
    for (const Firing& f : out) fired(rule, group, f);
    if (logic.expired(rule, cached.state, due_ms, options_))
      cached.erased = cached.dirty = true;
    else
      save(rule, key, cached);
  }
}

void Evaluator::flush() {
  for (auto& [key, group] : cache_) {
    if (group.erased) {
      if (group.stored) {
        store_.erase(key);
        store_.add_groups(-1);
      }
      continue;
    }
    if (!group.dirty) continue;
    codec::encode_group(group.state, value_);
    store_.put(key, value_);
    if (!group.stored) store_.add_groups(1);
  }
  cache_.clear();
}

void Evaluator::discard() {
  cache_.clear();
  // The discarded batch may have created standing groups or timers.
  activated_.clear();
  earliest_timer_ = kUnknown;
}

}  // namespace klaxon
