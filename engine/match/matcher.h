// Matcher: all message patterns of all rules compiled into one Hyperscan block-mode
// database (HS_FLAG_SINGLEMATCH). Per event: rules are selected by type/tags/fields first,
// and the message is scanned only when some selected rule has patterns; pattern ids map
// back to (rule, match|exclude).
//
// Thread: a compiled Matcher is immutable and may be shared by threads; each thread
// brings its own Scratch. compile() may take long for big rule sets: call it off the
// consuming thread.
#pragma once

#include <hs/hs.h>

#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "match/rules_loader.h"

namespace klaxon {

struct Match {
  size_t rule_index;      // into Matcher::rules()
  std::string group_key;  // the dedup group within the rule (see GroupBy)
};

class Matcher {
 public:
  // Compiles every pattern; throws LoadError naming file:line, the rule and the pattern
  // that Hyperscan rejected (each rule is compiled alone first so the error is precise).
  static std::shared_ptr<const Matcher> compile(RuleSet rules);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Per-thread scratch space, sized for this database.
  class Scratch {
   public:
    explicit Scratch(const Matcher& m);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    // How many times match() ran Hyperscan with this scratch (events no rule with patterns
    // selected are not scanned). For tests and benchmarks.
    uint64_t scans() const { return scans_; }

   private:
    friend class Matcher;
    hs_scratch_t* hs_ = nullptr;
    std::vector<uint8_t> hits_;      // per pattern id: matched in the current scan
    std::vector<uint32_t> set_;      // pattern ids set in hits_ by the current scan
    std::vector<uint8_t> selected_;  // per rule: selected by the current event
    uint64_t scans_ = 0;
  };

  // Appends one Match per rule the event matches (out is not cleared).
  void match(const Event& event, Scratch& scratch, std::vector<Match>& out) const;

  const std::vector<Rule>& rules() const { return rules_.rules; }
  const RuleSet& rule_set() const { return rules_; }
  size_t pattern_count() const { return pattern_rule_.size(); }

 private:
  Matcher() = default;
  RuleSet rules_;
  hs_database_t* db_ = nullptr;
  std::vector<uint32_t> pattern_rule_;    // pattern id -> rule index
  std::vector<uint8_t> pattern_exclude_;  // pattern id -> 1 when it is an exclude pattern
  // Per rule, its pattern ids: match patterns [first, match_end), excludes [match_end, end).
  struct PatternRange {
    uint32_t first = 0;
    uint32_t match_end = 0;
    uint32_t end = 0;
  };
  std::vector<PatternRange> ranges_;

  bool selected(const Rule& rule, const Event& event) const;
  std::string group_key(const Rule& rule, const Event& event) const;
  static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void* context);
};

}  // namespace klaxon
