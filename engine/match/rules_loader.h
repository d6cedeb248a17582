// load_rules: reads rule files (one file, or every *.yaml/*.yml in a directory, sorted by
// name) into a RuleSet. Validation is strict and complete: unknown or duplicate keys, wrong
// types, bad durations, duplicate rule names across files, empty selections. Every problem
// names file:line and the key. Throws LoadError; a RuleSet is returned only when all is well.
// Regex syntax is checked by the Matcher at compile time (Hyperscan is the authority).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "match/rule.h"

namespace klaxon {

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<std::string> files;  // the files read, in order

  // Top-level fields (beyond the standard ones) that some rule selects or groups on,
  // so the decoder captures them.
  std::vector<std::string> extra_fields() const;
};

RuleSet load_rules(const std::string& file_or_directory);

// Everything the files under a path hold, with no early stop: the rules that loaded, the
// rules that have problems (as far as they parsed, so their patterns can still be checked:
// `klaxon rules check` reports every problem in one run) and every problem in file order.
// load_rules() is this, thrown when there is a problem.
struct RulesReport {
  RuleSet usable;
  std::vector<Rule> broken;
  std::vector<Problem> problems;
};
RulesReport read_rules(const std::string& file_or_directory);
// Throws LoadError naming file:line of every rule whose `notify` names a channel that is
// not in `channels` (the config's notify.channels).
void check_notify(const RuleSet& rules, const std::vector<std::string>& channels);
// Parses rules from YAML text; `file` names the origin in messages.
RuleSet parse_rules(const std::string& text, const std::string& file);

}  // namespace klaxon
