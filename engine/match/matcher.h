// Matcher: the message patterns of all rules compiled into Hyperscan block-mode databases
// (HS_FLAG_SINGLEMATCH, except the match patterns of rules grouped by the matched text,
// which need HS_FLAG_SOM_LEFTMOST instead; SOM costs speed and memory, so nothing else uses
// it). A database whose patterns are all literals is built with Hyperscan's literal API;
// otherwise literals are escaped into the regex database.
//
// The databases are split by event type and by what selects a rule (scan_plan.h): per
// event, the type picks a bucket; the match patterns of the rules selected by type alone are
// scanned, those of rules with tag or field conditions only when one of their conditions
// holds (each distinct condition evaluated once), and exclude patterns only when a rule that
// has them would match. An event no selected rule needs is not scanned at all. After the
// scan only the rules whose patterns hit, and the rules without match patterns, are looked
// at: the cost per event follows the hits, not the number of rules. Pattern ids map back to
// (rule, match|exclude). Field regexes have a small database each.
//
// Gate: a match pattern with a wide repeat (`.*`, `[^;]*`, `\S+`) and literals every match
// must contain (required_literals.h) goes to a gated database of its scan set, scanned only
// when, for some gated pattern, all of its literals were found: the same matches, without
// running the costly automaton over lines that cannot match (~600 ns saved per ERROR line
// with 250 `\bERROR\b.*svcN\b` rules). Each gated pattern's most shared literal ("ERROR")
// joins the set's main database; its others ("svcN") are in a literal database scanned only
// when one of those was found. Lines that open the gate pay those scans on top (see
// bench/RESULTS.md, the rule set with matching rules). Patterns of rules grouped by match
// text (SOM) and excludes are never gated.
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
#include "match/scan_plan.h"

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
// A field value used as a group key (group_by: <field>) longer than this keeps its start and
// a digest of the whole ("...#<16 hex digits>"), so one poison record cannot make a record
// too large for Kafka.
inline constexpr size_t kMaxFieldKeyBytes = 1024;
// Gate literals shorter than this are not used: they are found on most lines.
inline constexpr size_t kMinGateLiteral = 3;

class Matcher {
 public:
  // Compiles every pattern. Throws LoadError listing every rejected pattern with
  // file:line:column, its rule and Hyperscan's reason (when the combined compile fails,
  // each rule is compiled alone so that every culprit is named).
  static std::shared_ptr<const Matcher> compile(RuleSet rules);
  // Each rule's patterns (message and field regexes) compiled alone, every rejection named
  // as compile() names it: for rules that are not compiled into a set, such as those with
  // other problems that `klaxon rules check` still checks.
  static std::vector<Problem> check_patterns(const std::vector<Rule>& rules);
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

    // How many events match() scanned with Hyperscan using this scratch (events that no
    // selected rule needs scanned are not). For tests and benchmarks.
    uint64_t scans() const { return scans_; }
    // How many of those scans also ran a gated database (its gate open).
    uint64_t gated_scans() const { return gated_scans_; }

   private:
    friend class Matcher;
    hs_scratch_t* hs_ = nullptr;
    std::vector<uint8_t> hits_;             // per pattern id: matched in the current scan
    std::vector<uint64_t> from_;            // per pattern id: start of its match (SOM patterns)
    std::vector<uint64_t> to_;              // per pattern id: end of its match
    std::vector<uint32_t> set_;             // pattern ids set in hits_ by the current scan
    std::vector<uint32_t> hit_rules_;       // rules with a match-pattern hit in the current scan
    std::vector<uint32_t> seen_;            // per rule: the event number it was last listed for
    std::vector<uint32_t> condition_seen_;  // per condition group: event number it was evaluated
    std::vector<uint8_t> condition_holds_;  // per condition group: its value for that event
    std::vector<uint8_t> literal_hit_;      // per gate literal: found in the current scan
    std::vector<uint32_t> literal_set_;     // gate literals set in literal_hit_
    uint32_t patterns_ = 0;                 // ids from here on are gate literals
    uint32_t event_number_ = 0;
    const Matcher* owner_;  // the matcher whose databases hs_ was sized for
    bool field_hit_ = false;
    uint64_t scans_ = 0;
    uint64_t gated_scans_ = 0;
  };

  // Appends one Match per rule the event matches, in rule order (out is not cleared).
  void match(const Event& event, Scratch& scratch, std::vector<Match>& out) const;

  const std::vector<Rule>& rules() const { return rules_.rules; }
  const RuleSet& rule_set() const { return rules_; }
  size_t pattern_count() const { return pattern_rule_.size(); }
  // True when every message database was built with Hyperscan's literal API.
  bool literal_database() const { return literal_db_; }
  // Bytes of all compiled databases.
  size_t database_bytes() const;

 private:
  Matcher() = default;
  bool applies_to_type(const Rule& rule, std::string_view type) const;
  bool vetoed(size_t index, const Scratch& scratch) const;
  // Whether the event passes the rule's tag and field conditions (cached per event).
  bool holds(size_t index, const Event& event, Scratch& scratch) const;
  bool condition_holds(size_t group, const Event& event, Scratch& scratch) const;
  bool selected(const Rule& rule, size_t index, const Event& event, Scratch& scratch) const;
  bool field_holds(const FieldCondition& c, hs_database_t* regex, const Event& event,
                   Scratch& scratch) const;
  void scan(const hs_database_t* db, const Event& event, Scratch& scratch) const;
  // Whether some gated pattern has all of its literals in the current scan's hits.
  bool gate_open(const Scratch& scratch) const;
  // Decides which match patterns are gated and fills the gate's tables.
  std::vector<uint8_t> plan_gate();
  std::string group_key(const Rule& rule, size_t index, const Event& event,
                        const Scratch& scratch) const;
  static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void* context);
  static int on_field_hit(unsigned int id, unsigned long long from, unsigned long long to,
                          unsigned int flags, void* context);

  RuleSet rules_;
  ScanPlan plan_;
  std::vector<hs_database_t*> databases_;  // per ScanPlan::sets() entry
  std::vector<hs_database_t*> gated_;  // per ScanPlan::sets() entry: its gated patterns, or null
  std::vector<hs_database_t*> second_level_;  // per set: gate literals after the first, or null
  // Gate literals, deduplicated; id pattern_count() + k in the main databases is literal k.
  std::vector<Pattern> gate_literals_;
  std::vector<std::vector<uint32_t>> keyed_;             // per literal: gated patterns keyed on it
  std::vector<std::vector<uint32_t>> pattern_literals_;  // per pattern id: its gate literals
  std::vector<uint32_t> first_level_;  // per gated pattern id: its literal in the main database
  bool literal_db_ = false;
  std::vector<uint32_t> pattern_rule_;  // pattern id -> rule index
  // Per rule, its pattern ids: match patterns [first, match_end), excludes [match_end, end).
  struct PatternRange {
    uint32_t first = 0;
    uint32_t match_end = 0;
    uint32_t end = 0;
  };
  std::vector<PatternRange> ranges_;
  // Per rule, per field condition: its regex database, or null.
  std::vector<std::vector<hs_database_t*>> field_regex_;
};

}  // namespace klaxon
