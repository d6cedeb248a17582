// ScanPlan: which Hyperscan databases an event is scanned with, decided from the rules alone.
//
// Scan time follows the patterns in the database, not only the bytes: 250 package-name
// literals of stack-trace rules cost as much again on every ordinary line that names a
// package. So the message patterns are not one database but a few per event type:
//   plain     match patterns of the rules selected by type alone;
//   full      those and the match patterns of the rules with tag or field conditions,
//             scanned instead of `plain` when one of those conditions holds for the event
//             (one scan of both: scanning a stack trace twice costs more than the union);
//   excludes  exclude patterns, scanned only when a rule that has them would match.
// Rules naming no type belong to every type's databases; a list of rules that comes out the
// same for several types is one database. When copying the untyped rules into every type
// would compile more than `max_copies` times the patterns, every type shares one set of
// databases (`shared`) and hits are checked against the rules' types instead.
//
// Conditions (tags_all/any/none and field conditions) written the same way in several rules
// are one condition group, evaluated once per event however many rules share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "match/rule.h"

namespace klaxon {

class ScanPlan {
 public:
  // A database to compile: the match (or exclude) patterns of these rules, in rule order.
  struct PatternSet {
    bool excludes = false;
    std::vector<uint32_t> rules;
  };
  static constexpr int kNone = -1;
  // What to scan for the events of one type.
  struct Bucket {
    int plain = kNone;  // indexes into sets()
    int full = kNone;   // kNone when no rule with conditions has match patterns
    int excludes = kNone;
    std::vector<uint32_t> conditions;   // condition groups of the rules only `full` has
    std::vector<uint32_t> patternless;  // rules without match patterns, in rule order
  };

  static ScanPlan build(const std::vector<Rule>& rules, size_t max_copies = 4);

  const std::vector<PatternSet>& sets() const { return sets_; }
  // The bucket for an event type (the untyped bucket for types no rule names).
  const Bucket& bucket(std::string_view type) const;
  // True when one bucket serves every type: its rules' types must then be checked.
  bool shared() const { return shared_; }
  // Per rule: its condition group, or kNone when the rule selects by type alone.
  int condition_of(size_t rule) const { return condition_of_[rule]; }
  // Per condition group: the rule whose conditions are evaluated for the group.
  uint32_t condition_rule(size_t group) const { return condition_rule_[group]; }
  size_t condition_count() const { return condition_rule_.size(); }

 private:
  std::vector<PatternSet> sets_;
  std::vector<std::string> types_;  // sorted; types_[k]'s bucket is by_type_[k]
  std::vector<Bucket> by_type_;
  Bucket untyped_;
  bool shared_ = false;
  std::vector<int> condition_of_;
  std::vector<uint32_t> condition_rule_;
};

}  // namespace klaxon
