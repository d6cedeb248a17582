// Matcher: all message patterns of all rules compiled into one Hyperscan block-mode
// database (HS_FLAG_SINGLEMATCH, except the match patterns of rules grouped by the matched
// text, which need HS_FLAG_SOM_LEFTMOST instead; SOM costs speed and memory, so nothing
// else uses it). When every pattern is a literal the database is built with
// Hyperscan's literal API; otherwise literals are escaped into the regex database.
//
// Per event: an index on `filter.type` picks the rules that can apply (those naming the
// event's type, and those naming none). The message is scanned, once, only when some of
// them is selected and has patterns (tags and field conditions are checked before the
// scan as far as needed to know that). After the scan only the rules whose patterns hit,
// and the rules without match patterns, are looked at: the cost per event follows the
// hits, not the number of rules. Pattern ids map back to (rule, match|exclude). Field
// regexes have a small database each.
//
// Thread: a compiled Matcher is immutable and may be shared by threads; each thread
// brings its own Scratch. compile() may take long for big rule sets: call it off the
// consuming thread.
#pragma once

#include <hs/hs.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "match/rules_loader.h"

namespace klaxon {

struct Match {
  size_t rule_index;      // into Matcher::rules()
  std::string group_key;  // the group within the rule (see GroupBy)
};

// A rule whose own patterns need a database larger than this is rejected: it would cost
// memory and scan time out of proportion (typically a huge bounded repeat).
inline constexpr size_t kMaxRuleDatabaseBytes = 16 << 20;
// The matched text used as a group key (group_by: match) is cut to this many bytes.
inline constexpr size_t kMaxMatchKeyBytes = 256;

class Matcher {
 public:
  // Compiles every pattern. Throws LoadError listing every rejected pattern with
  // file:line:column, its rule and Hyperscan's reason (when the combined compile fails,
  // each rule is compiled alone so that every culprit is named).
  static std::shared_ptr<const Matcher> compile(RuleSet rules);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Per-thread scratch space, sized for this matcher's databases.
  class Scratch {
   public:
    explicit Scratch(const Matcher& m);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    // How many times match() ran Hyperscan on a message with this scratch (events no rule
    // with patterns selected are not scanned). For tests and benchmarks.
    uint64_t scans() const { return scans_; }

   private:
    friend class Matcher;
    hs_scratch_t* hs_ = nullptr;
    std::vector<uint8_t> hits_;        // per pattern id: matched in the current scan
    std::vector<uint64_t> from_;       // per pattern id: start of its match (SOM patterns)
    std::vector<uint64_t> to_;         // per pattern id: end of its match
    std::vector<uint32_t> set_;        // pattern ids set in hits_ by the current scan
    std::vector<uint32_t> hit_rules_;  // rules with a match-pattern hit in the current scan
    std::vector<uint32_t> seen_;       // per rule: the event number it was last listed for
    uint32_t event_number_ = 0;
    const Matcher* owner_;  // the matcher whose databases hs_ was sized for
    bool field_hit_ = false;
    uint64_t scans_ = 0;
  };

  // Appends one Match per rule the event matches, in rule order (out is not cleared).
  void match(const Event& event, Scratch& scratch, std::vector<Match>& out) const;

  const std::vector<Rule>& rules() const { return rules_.rules; }
  const RuleSet& rule_set() const { return rules_; }
  size_t pattern_count() const { return pattern_rule_.size(); }
  // True when the message database was built with Hyperscan's literal API.
  bool literal_database() const { return literal_db_; }
  // Bytes of all compiled databases.
  size_t database_bytes() const;

 private:
  Matcher() = default;
  struct Candidates {
    std::vector<uint32_t> by_type_only;  // rules with match patterns and no other selection
    std::vector<uint32_t> filtered;      // rules with match patterns and tag/field conditions
    std::vector<uint32_t> patternless;   // rules without match patterns
  };
  void build_index();
  bool applies_to_type(const Rule& rule, std::string_view type) const;
  bool vetoed(size_t index, const Scratch& scratch) const;
  bool selected(const Rule& rule, size_t index, const Event& event, Scratch& scratch) const;
  bool field_holds(const FieldCondition& c, hs_database_t* regex, const Event& event,
                   Scratch& scratch) const;
  std::string group_key(const Rule& rule, size_t index, const Event& event,
                        const Scratch& scratch) const;
  static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void* context);
  static int on_field_hit(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void* context);

  RuleSet rules_;
  hs_database_t* db_ = nullptr;
  bool literal_db_ = false;
  std::vector<uint32_t> pattern_rule_;    // pattern id -> rule index
  std::vector<uint8_t> pattern_exclude_;  // pattern id -> 1 when it is an exclude pattern
  // Per rule, its pattern ids: match patterns [first, match_end), excludes [match_end, end).
  struct PatternRange {
    uint32_t first = 0;
    uint32_t match_end = 0;
    uint32_t end = 0;
  };
  std::vector<PatternRange> ranges_;
  // Per rule, per field condition: its regex database, or null.
  std::vector<std::vector<hs_database_t*>> field_regex_;
  // Rules to consider by event type: the rules naming that type and those naming none, in
  // rule order; `untyped_` serves the types no rule names.
  std::map<std::string, Candidates, std::less<>> by_type_;
  Candidates untyped_;
  std::vector<uint8_t> has_conditions_;  // per rule: tags or field conditions to check
};

}  // namespace klaxon
