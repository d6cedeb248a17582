#include "match/matcher.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <stdexcept>

#include "core/error.h"
#include "core/hash.h"
#include "match/fingerprint.h"
#include "match/required_literals.h"

namespace klaxon {

namespace {

constexpr unsigned int kBaseFlags = HS_FLAG_SINGLEMATCH;

// A literal as a regex: every byte that is not a letter or digit as \xHH.
std::string escape_literal(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

// One Hyperscan compile input: patterns in id order.
struct PatternList {
  std::vector<std::string> expressions;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  std::vector<const Pattern*> sources;

  // `literal_api`: the text goes to hs_compile_lit_multi as is.
  void add(const Pattern& p, unsigned int id, bool som, bool literal_api) {
    // Hyperscan allows SOM only without SINGLEMATCH; on_hit keeps a pattern's first match.
    unsigned int f =
        (som ? HS_FLAG_SOM_LEFTMOST : kBaseFlags) | (p.case_insensitive ? HS_FLAG_CASELESS : 0u);
    if (!literal_api) f |= HS_FLAG_MULTILINE;
    expressions.push_back(p.literal && !literal_api ? escape_literal(p.expression) : p.expression);
    flags.push_back(f);
    ids.push_back(id);
    sources.push_back(&p);
  }
  size_t size() const { return ids.size(); }
};

struct CompileFailure {
  std::string message;
  int index = -1;  // the failing expression's position, -1 when Hyperscan names none
};

bool try_compile(const PatternList& list, bool literal_api, hs_database_t** db,
                 CompileFailure& failure) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& e : list.expressions) {
    ptrs.push_back(e.c_str());
    lens.push_back(e.size());
  }
  hs_compile_error_t* error = nullptr;
  hs_error_t rc = literal_api
                      ? hs_compile_lit_multi(ptrs.data(), list.flags.data(), list.ids.data(),
                                             lens.data(), static_cast<unsigned int>(list.size()),
                                             HS_MODE_BLOCK, nullptr, db, &error)
                      : hs_compile_multi(ptrs.data(), list.flags.data(), list.ids.data(),
                                         static_cast<unsigned int>(list.size()), HS_MODE_BLOCK,
                                         nullptr, db, &error);
  if (rc == HS_SUCCESS) return true;
  failure.message =
      error != nullptr && error->message != nullptr ? error->message : "compile failed";
  failure.index = error != nullptr ? error->expression : -1;
  if (error != nullptr) hs_free_compile_error(error);
  *db = nullptr;
  return false;
}

size_t database_size(const hs_database_t* db) {
  size_t size = 0;
  if (db != nullptr) hs_database_size(db, &size);
  return size;
}

// Position of `rule` among its file's rules, for "rules[N]" key paths.
std::map<const Rule*, size_t> indexes_in_files(const std::vector<Rule>& rules) {
  std::map<const Rule*, size_t> out;
  std::map<std::string, size_t> next;
  for (const auto& r : rules)
    out[&r] = r.index_in_file >= 0 ? static_cast<size_t>(r.index_in_file) : next[r.file]++;
  return out;
}

std::string rule_path(const Rule& rule, size_t index_in_file) {
  return "rules[" + std::to_string(index_in_file) + "] (" + rule.name + ")";
}

Problem pattern_problem(const Rule& rule, size_t index_in_file, const Pattern& p,
                        const std::string& key, const std::string& what) {
  std::string text = std::string(p.literal ? "literal '" : "pattern '") + p.expression + "'";
  // Hyperscan's own words name a compile flag a rule author cannot set.
  if (what.find("matches empty buffer") != std::string::npos)
    return Problem{rule.file, p.line, rule_path(rule, index_in_file) + "." + key,
                   text +
                       " can match an empty string, so it would match every event (and Hyperscan "
                       "refuses it): make it require some text, e.g. 'ERROR.*' rather than "
                       "'.*', 'timeout \\d+' rather than '\\d*'. To select every event the filter "
                       "passes, leave message.match out",
                   p.column};
  return Problem{rule.file, p.line, rule_path(rule, index_in_file) + "." + key,
                 "Hyperscan rejects " + text + ": " + what, p.column};
}

// A rule's message patterns, alone: every rejected pattern and an oversized rule are
// reported with their place.
void check_rule(const Rule& rule, size_t index_in_file, std::vector<Problem>& problems) {
  PatternList list;
  std::vector<std::string> keys;
  bool som = rule.group_by == GroupBy::match_text;
  // The key names the pattern's place in the file (a rule whose other patterns have
  // problems holds fewer than its file lists).
  auto key = [](const char* list_name, const Pattern& p, size_t j) {
    return std::string("message.") + list_name + "[" +
           std::to_string(p.list_index >= 0 ? static_cast<size_t>(p.list_index) : j) + "]";
  };
  for (size_t j = 0; j < rule.match.size(); ++j) {
    list.add(rule.match[j], static_cast<unsigned int>(list.size()), som, false);
    keys.push_back(key("match", rule.match[j], j));
  }
  for (size_t j = 0; j < rule.exclude.size(); ++j) {
    list.add(rule.exclude[j], static_cast<unsigned int>(list.size()), false, false);
    keys.push_back(key("exclude", rule.exclude[j], j));
  }
  if (list.size() == 0) return;
  hs_database_t* db = nullptr;
  CompileFailure failure;
  if (try_compile(list, false, &db, failure)) {
    size_t size = database_size(db);
    hs_free_database(db);
    if (size > kMaxRuleDatabaseBytes)
      problems.push_back(Problem{
          rule.file, rule.line, rule_path(rule, index_in_file) + ".message",
          "its patterns need a " + std::to_string(size >> 20) + " MiB database, more than the " +
              std::to_string(kMaxRuleDatabaseBytes >> 20) +
              " MiB allowed per rule (look for large bounded repeats such as .{1,10000})"});
    return;
  }
  // Each pattern alone, so every bad one is named (Hyperscan stops at the first).
  bool named = false;
  for (size_t k = 0; k < list.size(); ++k) {
    PatternList one;
    one.add(*list.sources[k], 0, som && k < rule.match.size(), false);
    CompileFailure f;
    if (try_compile(one, false, &db, f)) {
      hs_free_database(db);
      continue;
    }
    problems.push_back(pattern_problem(rule, index_in_file, *list.sources[k], keys[k], f.message));
    named = true;
  }
  if (!named)
    problems.push_back(
        Problem{rule.file, rule.line, rule_path(rule, index_in_file) + ".message",
                "Hyperscan cannot compile its patterns together: " + failure.message});
}

// The regex of a field condition, compiled alone.
hs_database_t* compile_field_regex(const Rule& rule, size_t index_in_file, size_t condition,
                                   std::vector<Problem>& problems) {
  const FieldCondition& c = rule.fields[condition];
  PatternList one;
  one.add(*c.regex, 0, false, false);
  hs_database_t* db = nullptr;
  CompileFailure f;
  if (try_compile(one, false, &db, f)) return db;
  problems.push_back(pattern_problem(rule, index_in_file, *c.regex,
                                     "filter.fields." + c.name + ".regex", f.message));
  return nullptr;
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  for (const auto& s : list)
    if (s == v) return true;
  return false;
}

bool parse_number(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out == out;
}

// Cuts at a byte limit without splitting a UTF-8 sequence.
std::string_view bounded(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  return s.substr(0, cut);
}

}  // namespace

std::shared_ptr<const Matcher> Matcher::compile(RuleSet rules) {
  std::shared_ptr<Matcher> m(new Matcher());
  m->rules_ = std::move(rules);
  const auto& all = m->rules_.rules;
  const auto index_in_file = indexes_in_files(all);

  // Field regexes: a small database each.
  std::vector<Problem> problems;
  m->field_regex_.resize(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    m->field_regex_[i].assign(all[i].fields.size(), nullptr);
    for (size_t c = 0; c < all[i].fields.size(); ++c)
      if (all[i].fields[c].regex)
        m->field_regex_[i][c] = compile_field_regex(all[i], index_in_file.at(&all[i]), c, problems);
  }

  // Message pattern ids, assigned rule by rule, match before exclude.
  m->ranges_.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    PatternRange r;
    r.first = static_cast<uint32_t>(m->pattern_rule_.size());
    r.match_end = r.first + static_cast<uint32_t>(all[i].match.size());
    r.end = r.match_end + static_cast<uint32_t>(all[i].exclude.size());
    m->ranges_.push_back(r);
    m->pattern_rule_.insert(m->pattern_rule_.end(), r.end - r.first, static_cast<uint32_t>(i));
  }

  // The databases of the scan plan, each with the global ids of its patterns; gated patterns
  // apart, their literals in the main database.
  m->plan_ = ScanPlan::build(all);
  const std::vector<uint8_t> gated = m->plan_gate();
  const auto literal_id = [&](uint32_t k) {
    return static_cast<unsigned int>(m->pattern_rule_.size() + k);
  };
  bool compiled = true, oversized = false;
  CompileFailure failure;
  m->literal_db_ = !m->plan_.sets().empty();
  auto compile_list = [&](const PatternList& list, bool literal) -> hs_database_t* {
    hs_database_t* db = nullptr;
    if (list.size() == 0) return nullptr;
    if (compiled && try_compile(list, literal, &db, failure)) {
      oversized = oversized || database_size(db) > kMaxRuleDatabaseBytes;
    } else {
      compiled = false;
    }
    return db;
  };
  struct Entry {
    const Pattern* pattern;
    unsigned int id;
    bool som;
  };
  auto add_once = [](std::vector<uint32_t>& list, uint32_t k) {
    if (std::find(list.begin(), list.end(), k) == list.end()) list.push_back(k);
  };
  for (const ScanPlan::PatternSet& set : m->plan_.sets()) {
    std::vector<Entry> entries;
    PatternList behind_gate;
    // Gate literals of this set's gated patterns: first level and the others.
    std::vector<uint32_t> first, second;
    for (uint32_t i : set.rules) {
      bool som = !set.excludes && all[i].group_by == GroupBy::match_text;
      uint32_t id = set.excludes ? m->ranges_[i].match_end : m->ranges_[i].first;
      for (const auto& p : set.excludes ? all[i].exclude : all[i].match) {
        if (!set.excludes && gated[id]) {
          behind_gate.add(p, id, false, false);
          add_once(first, m->first_level_[id]);
          for (uint32_t k : m->pattern_literals_[id])
            if (k != m->first_level_[id]) add_once(second, k);
        } else {
          entries.push_back({&p, id, som});
        }
        ++id;
      }
    }
    for (uint32_t k : first) entries.push_back({&m->gate_literals_[k], literal_id(k), false});
    // Every entry a literal: Hyperscan's literal API, the texts as written.
    const bool literal = std::all_of(entries.begin(), entries.end(),
                                     [](const Entry& e) { return e.pattern->literal; });
    PatternList main;
    for (const Entry& e : entries) main.add(*e.pattern, e.id, e.som, literal);
    m->databases_.push_back(compile_list(main, literal));
    PatternList second_level;
    for (uint32_t k : second)
      if (std::find(first.begin(), first.end(), k) == first.end())
        second_level.add(m->gate_literals_[k], literal_id(k), false, true);
    m->second_level_.push_back(compile_list(second_level, true));
    m->gated_.push_back(compile_list(behind_gate, false));
    m->literal_db_ = m->literal_db_ && literal && behind_gate.size() == 0;
  }
  // Only when something is wrong is every rule compiled alone, to name each culprit
  // (a valid set pays for one compile per database, not two).
  if (!compiled || oversized) {
    size_t before = problems.size();
    for (const auto& r : all) check_rule(r, index_in_file.at(&r), problems);
    if (!compiled && problems.size() == before)
      problems.push_back(Problem{"", 0, "",
                                 "Hyperscan cannot compile the " +
                                     std::to_string(m->pattern_rule_.size()) + " patterns of " +
                                     std::to_string(all.size()) +
                                     " rules into its databases: " + failure.message});
  }
  if (!problems.empty()) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return a.file != b.file ? a.file < b.file : a.line < b.line;
    });
    throw LoadError(std::move(problems));
  }
  return m;
}

std::vector<Problem> Matcher::check_patterns(const std::vector<Rule>& rules) {
  std::vector<Problem> problems;
  const auto index_in_file = indexes_in_files(rules);
  for (const Rule& r : rules) {
    size_t index = index_in_file.at(&r);
    for (size_t c = 0; c < r.fields.size(); ++c) {
      if (!r.fields[c].regex) continue;
      if (hs_database_t* db = compile_field_regex(r, index, c, problems)) hs_free_database(db);
    }
    check_rule(r, index, problems);
  }
  return problems;
}

std::vector<uint8_t> Matcher::plan_gate() {
  const auto& all = rules_.rules;
  std::vector<uint8_t> gated(pattern_rule_.size(), 0);
  pattern_literals_.assign(pattern_rule_.size(), {});
  std::map<std::pair<std::string, bool>, uint32_t> literal_index;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].group_by == GroupBy::match_text) continue;  // SOM: offsets are needed
    for (size_t j = 0; j < all[i].match.size(); ++j) {
      const Pattern& p = all[i].match[j];
      if (p.literal) continue;
      RequiredLiterals required = required_literals(p.expression);
      if (!required.wide_repeat) continue;
      const uint32_t id = ranges_[i].first + static_cast<uint32_t>(j);
      for (std::string& text : required.literals) {
        if (text.size() < kMinGateLiteral) continue;  // too short: found on most lines
        auto [it, added] = literal_index.try_emplace({text, p.case_insensitive},
                                                     static_cast<uint32_t>(gate_literals_.size()));
        if (added)
          gate_literals_.push_back(Pattern{text, true, p.case_insensitive, p.line, p.column});
        pattern_literals_[id].push_back(it->second);
      }
      gated[id] = pattern_literals_[id].empty() ? 0 : 1;
    }
  }
  // Each gated pattern is looked at when its rarest literal (the one the fewest gated patterns
  // share) is found: "svc7" rather than the "ERROR" of 250 rules. Its most shared literal is
  // the first level: the set's main database holds only those, few and distinct ("ERROR"),
  // and the rest are searched for only when one of them was found.
  std::vector<uint32_t> sharing(gate_literals_.size(), 0);
  for (const auto& literals : pattern_literals_)
    for (uint32_t k : literals) ++sharing[k];
  auto rarer = [&](uint32_t a, uint32_t b) {
    return sharing[a] != sharing[b]
               ? sharing[a] < sharing[b]
               : gate_literals_[a].expression.size() > gate_literals_[b].expression.size();
  };
  keyed_.assign(gate_literals_.size(), {});
  first_level_.assign(pattern_rule_.size(), 0);
  for (uint32_t id = 0; id < pattern_literals_.size(); ++id) {
    const auto& literals = pattern_literals_[id];
    if (literals.empty()) continue;
    keyed_[*std::min_element(literals.begin(), literals.end(), rarer)].push_back(id);
    first_level_[id] = *std::max_element(literals.begin(), literals.end(), rarer);
  }
  return gated;
}

Matcher::~Matcher() {
  for (hs_database_t* db : databases_)
    if (db != nullptr) hs_free_database(db);
  for (hs_database_t* db : gated_)
    if (db != nullptr) hs_free_database(db);
  for (hs_database_t* db : second_level_)
    if (db != nullptr) hs_free_database(db);
  for (auto& per_rule : field_regex_)
    for (hs_database_t* db : per_rule)
      if (db != nullptr) hs_free_database(db);
}

size_t Matcher::database_bytes() const {
  size_t total = 0;
  for (const hs_database_t* db : databases_) total += database_size(db);
  for (const hs_database_t* db : gated_) total += database_size(db);
  for (const hs_database_t* db : second_level_) total += database_size(db);
  for (const auto& per_rule : field_regex_)
    for (const hs_database_t* db : per_rule) total += database_size(db);
  return total;
}

Matcher::Scratch::Scratch(const Matcher& m) : owner_(&m) {
  // One scratch serves every database once allocated for each of them.
  auto grow = [this](const hs_database_t* db) {
    if (db != nullptr && hs_alloc_scratch(db, &hs_) != HS_SUCCESS)
      throw std::runtime_error("Hyperscan could not allocate scratch space");
  };
  for (const hs_database_t* db : m.databases_) grow(db);
  for (const hs_database_t* db : m.gated_) grow(db);
  for (const hs_database_t* db : m.second_level_) grow(db);
  for (const auto& per_rule : m.field_regex_)
    for (const hs_database_t* db : per_rule) grow(db);
  hits_.assign(m.pattern_count(), 0);
  patterns_ = static_cast<uint32_t>(m.pattern_count());
  literal_hit_.assign(m.gate_literals_.size(), 0);
  literal_set_.reserve(m.gate_literals_.size());
  seen_.assign(m.rules().size(), 0);
  condition_seen_.assign(m.plan_.condition_count(), 0);
  condition_holds_.assign(m.plan_.condition_count(), 0);
  hit_rules_.reserve(m.rules().size());
  from_.assign(m.pattern_count(), 0);
  to_.assign(m.pattern_count(), 0);
  set_.reserve(m.pattern_count());
}

Matcher::Scratch::~Scratch() {
  if (hs_ != nullptr) hs_free_scratch(hs_);
}

int Matcher::on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int /*flags*/, void* context) {
  auto* s = static_cast<Scratch*>(context);
  if (id >= s->patterns_) {  // a gate literal
    const uint32_t k = id - s->patterns_;
    if (s->literal_hit_[k] == 0) {
      s->literal_hit_[k] = 1;
      s->literal_set_.push_back(k);
    }
    return 0;
  }
  if (s->hits_[id] == 0) {
    s->hits_[id] = 1;
    s->from_[id] = from;
    s->to_[id] = to;
    s->set_.push_back(id);
  } else if (from == s->from_[id] && to > s->to_[id]) {
    // A SOM pattern reports every end of its match: keep the longest from the leftmost
    // start, as a greedy regex engine would return.
    s->to_[id] = to;
  }
  return 0;
}

int Matcher::on_field_hit(unsigned int, unsigned long long, unsigned long long, unsigned int,
                          void* context) {
  static_cast<Scratch*>(context)->field_hit_ = true;
  return 1;  // one hit decides it: stop scanning
}

bool Matcher::field_holds(const FieldCondition& c, hs_database_t* regex, const Event& event,
                          Scratch& scratch) const {
  std::string_view value;
  bool present = event.field(c.name, value);
  if (c.exists && *c.exists != present) return false;
  if (!present) return c.exists.has_value() && !*c.exists;
  if (!c.equals.empty() && !contains(c.equals, value)) return false;
  if (!c.prefixes.empty() &&
      std::none_of(c.prefixes.begin(), c.prefixes.end(),
                   [&](const std::string& p) { return value.starts_with(p); }))
    return false;
  if (regex != nullptr) {
    scratch.field_hit_ = false;
    static constexpr char kEmpty[] = "";
    const char* data = value.empty() ? kEmpty : value.data();
    size_t size = std::min<size_t>(value.size(), std::numeric_limits<unsigned int>::max());
    hs_error_t rc = hs_scan(regex, data, static_cast<unsigned int>(size), 0, scratch.hs_,
                            &Matcher::on_field_hit, &scratch);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
      throw std::runtime_error("Hyperscan scan failed with error " + std::to_string(rc));
    if (!scratch.field_hit_) return false;
  }
  if (c.gt || c.gte || c.lt || c.lte) {
    double v;
    if (!parse_number(value, v)) return false;
    if ((c.gt && !(v > *c.gt)) || (c.gte && !(v >= *c.gte)) || (c.lt && !(v < *c.lt)) ||
        (c.lte && !(v <= *c.lte)))
      return false;
  }
  return true;
}

bool Matcher::selected(const Rule& rule, size_t index, const Event& event, Scratch& scratch) const {
  for (const auto& t : rule.tags_all)
    if (!event.has_tag(t)) return false;
  if (!rule.tags_any.empty()) {
    bool any = false;
    for (const auto& t : rule.tags_any) any = any || event.has_tag(t);
    if (!any) return false;
  }
  for (const auto& t : rule.tags_none)
    if (event.has_tag(t)) return false;
  for (size_t c = 0; c < rule.fields.size(); ++c)
    if (!field_holds(rule.fields[c], field_regex_[index][c], event, scratch)) return false;
  return true;
}

std::string Matcher::group_key(const Rule& rule, size_t index, const Event& event,
                               const Scratch& scratch) const {
  switch (rule.group_by) {
    case GroupBy::rule:
      return rule.name;
    case GroupBy::fingerprint:
      return fingerprint_hash(event.message);
    case GroupBy::field: {
      std::string_view value;
      if (!event.field(rule.group_field, value)) return "(missing)";
      // A huge value (a poison record) would make a repartition record Kafka refuses: long
      // values keep their start and a digest of the whole, still one group per value.
      if (value.size() <= kMaxFieldKeyBytes) return std::string(value);
      return std::string(bounded(value, kMaxFieldKeyBytes - 17)) + "#" + hex64(fnv1a64(value));
    }
    case GroupBy::match_text: {
      const PatternRange& r = ranges_[index];
      for (uint32_t id = r.first; id < r.match_end; ++id) {
        if (scratch.hits_[id] == 0) continue;
        uint64_t from = std::min<uint64_t>(scratch.from_[id], event.message.size());
        uint64_t to = std::min<uint64_t>(scratch.to_[id], event.message.size());
        return std::string(bounded(event.message.substr(from, to - from), kMaxMatchKeyBytes));
      }
      return "(no match text)";
    }
  }
  return rule.name;
}

bool Matcher::applies_to_type(const Rule& rule, std::string_view type) const {
  if (rule.types.empty()) return true;
  for (const auto& t : rule.types)
    if (t == type) return true;
  return false;
}

bool Matcher::vetoed(size_t index, const Scratch& scratch) const {
  const PatternRange& r = ranges_[index];
  for (uint32_t id = r.match_end; id < r.end; ++id)
    if (scratch.hits_[id] != 0) return true;
  return false;
}

bool Matcher::condition_holds(size_t group, const Event& event, Scratch& scratch) const {
  if (scratch.condition_seen_[group] != scratch.event_number_) {
    uint32_t rule = plan_.condition_rule(group);
    scratch.condition_holds_[group] = selected(rules_.rules[rule], rule, event, scratch) ? 1 : 0;
    scratch.condition_seen_[group] = scratch.event_number_;
  }
  return scratch.condition_holds_[group] != 0;
}

bool Matcher::holds(size_t index, const Event& event, Scratch& scratch) const {
  int group = plan_.condition_of(index);
  return group == ScanPlan::kNone || condition_holds(static_cast<size_t>(group), event, scratch);
}

bool Matcher::gate_open(const Scratch& scratch) const {
  for (uint32_t k : scratch.literal_set_)
    for (uint32_t id : keyed_[k]) {
      bool all_found = true;
      for (uint32_t other : pattern_literals_[id])
        all_found = all_found && scratch.literal_hit_[other];
      if (all_found) return true;
    }
  return false;
}

void Matcher::scan(const hs_database_t* db, const Event& event, Scratch& scratch) const {
  static constexpr char kEmpty[] = "";
  const char* data = event.message.empty() ? kEmpty : event.message.data();
  size_t size = std::min<size_t>(event.message.size(), std::numeric_limits<unsigned int>::max());
  hs_error_t rc = hs_scan(db, data, static_cast<unsigned int>(size), 0, scratch.hs_,
                          &Matcher::on_hit, &scratch);
  if (rc != HS_SUCCESS)
    throw std::runtime_error("Hyperscan scan failed with error " + std::to_string(rc));
}

void Matcher::match(const Event& event, Scratch& scratch, std::vector<Match>& out) const {
  const auto& all = rules_.rules;
  if (scratch.owner_ != this)
    throw std::logic_error("Matcher::match: the scratch was made for another matcher");
  if (++scratch.event_number_ == 0) {  // wrapped: forget every mark
    std::fill(scratch.seen_.begin(), scratch.seen_.end(), 0);
    std::fill(scratch.condition_seen_.begin(), scratch.condition_seen_.end(), 0);
    scratch.event_number_ = 1;
  }
  const ScanPlan::Bucket& bucket = plan_.bucket(event.type);
  const bool check_types = plan_.shared();
  auto has_excludes = [this](uint32_t i) { return ranges_[i].end > ranges_[i].match_end; };

  // Rules without match patterns: every selected event matches, unless an exclude hits.
  const size_t first_out = out.size();
  bool need_excludes = false;
  for (uint32_t i : bucket.patternless) {
    if (check_types && !applies_to_type(all[i], event.type)) continue;
    if (!holds(i, event, scratch)) continue;
    need_excludes = need_excludes || has_excludes(i);
    out.push_back(Match{i, {}});
  }
  // The rules with conditions need scanning only when one of their conditions holds.
  bool conditioned = false;
  for (size_t k = 0; !conditioned && k < bucket.conditions.size(); ++k)
    conditioned = condition_holds(bucket.conditions[k], event, scratch);
  const int patterns = conditioned ? bucket.full : bucket.plain;
  if (patterns == ScanPlan::kNone && !(need_excludes && bucket.excludes != ScanPlan::kNone)) {
    for (size_t k = first_out; k < out.size(); ++k)
      out[k].group_key = group_key(all[out[k].rule_index], out[k].rule_index, event, scratch);
    return;
  }

  // Clears exactly the hits the scans set, also when a scan fails or group_key() throws.
  struct ResetHits {
    Scratch& s;
    ~ResetHits() {
      for (uint32_t id : s.set_) s.hits_[id] = 0;
      s.set_.clear();
      for (uint32_t k : s.literal_set_) s.literal_hit_[k] = 0;
      s.literal_set_.clear();
    }
  } reset{scratch};
  ++scratch.scans_;
  if (patterns != ScanPlan::kNone) {
    const auto set = static_cast<size_t>(patterns);
    if (databases_[set] != nullptr) scan(databases_[set], event, scratch);
    if (gated_[set] != nullptr && !scratch.literal_set_.empty()) {
      if (second_level_[set] != nullptr) scan(second_level_[set], event, scratch);
      if (gate_open(scratch)) {
        ++scratch.gated_scans_;
        scan(gated_[set], event, scratch);
      }
    }
  }

  // Rules whose match patterns hit: the rest cannot match, whatever they select.
  scratch.hit_rules_.clear();
  for (uint32_t id : scratch.set_) {
    uint32_t i = pattern_rule_[id];
    if (scratch.seen_[i] == scratch.event_number_) continue;
    scratch.seen_[i] = scratch.event_number_;
    scratch.hit_rules_.push_back(i);
  }
  for (uint32_t i : scratch.hit_rules_) {
    if (check_types && !applies_to_type(all[i], event.type)) continue;
    if (!holds(i, event, scratch)) continue;
    need_excludes = need_excludes || has_excludes(i);
    out.push_back(Match{i, {}});
  }
  // Excludes, only when a matching rule has some: vetoed rules drop out.
  if (need_excludes && bucket.excludes != ScanPlan::kNone) {
    scan(databases_[static_cast<size_t>(bucket.excludes)], event, scratch);
    size_t kept = first_out;
    for (size_t k = first_out; k < out.size(); ++k)
      if (!vetoed(out[k].rule_index, scratch)) out[kept++] = std::move(out[k]);
    out.resize(kept);
  }
  // In rule order, as the rules are written.
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first_out), out.end(),
            [](const Match& a, const Match& b) { return a.rule_index < b.rule_index; });
  for (size_t k = first_out; k < out.size(); ++k)
    out[k].group_key = group_key(all[out[k].rule_index], out[k].rule_index, event, scratch);
}

}  // namespace klaxon
