#include "match/matcher.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include "core/error.h"
#include "match/fingerprint.h"

namespace klaxon {

namespace {

constexpr unsigned int kBaseFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_MULTILINE;

unsigned int flags_of(const Pattern& p) {
  return kBaseFlags | (p.case_insensitive ? HS_FLAG_CASELESS : 0u);
}

// The patterns of one rule in id order (match first, then exclude), as Hyperscan wants them.
struct PatternList {
  std::vector<const char*> expressions;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;

  void add(const Pattern& p, unsigned int id) {
    expressions.push_back(p.expression.c_str());
    flags.push_back(flags_of(p));
    ids.push_back(id);
  }
};

// Compiles `list`; on failure returns Hyperscan's message and the failing expression's
// position in the list (-1 when Hyperscan names none).
bool try_compile(const PatternList& list, hs_database_t** db, std::string& message, int& index) {
  hs_compile_error_t* error = nullptr;
  hs_error_t rc = hs_compile_multi(list.expressions.data(), list.flags.data(), list.ids.data(),
                                   static_cast<unsigned int>(list.expressions.size()),
                                   HS_MODE_BLOCK, nullptr, db, &error);
  if (rc == HS_SUCCESS) return true;
  message = error != nullptr && error->message != nullptr ? error->message : "compile failed";
  index = error != nullptr ? error->expression : -1;
  if (error != nullptr) hs_free_compile_error(error);
  *db = nullptr;
  return false;
}

// Checks one rule's patterns on their own so a rejection names the exact pattern.
void check_rule(const Rule& rule, size_t index_in_file, std::vector<Problem>& problems) {
  PatternList list;
  for (const auto& p : rule.match) list.add(p, static_cast<unsigned int>(list.ids.size()));
  for (const auto& p : rule.exclude) list.add(p, static_cast<unsigned int>(list.ids.size()));
  if (list.ids.empty()) return;

  hs_database_t* db = nullptr;
  std::string message;
  int failed = -1;
  if (try_compile(list, &db, message, failed)) {
    hs_free_database(db);
    return;
  }
  std::string path = "rules[" + std::to_string(index_in_file) + "].message.";
  auto report = [&](size_t k, const std::string& msg) {
    bool is_match = k < rule.match.size();
    size_t j = is_match ? k : k - rule.match.size();
    const Pattern& p = is_match ? rule.match[j] : rule.exclude[j];
    problems.push_back(Problem{
        rule.file, p.line, path + (is_match ? "match[" : "exclude[") + std::to_string(j) + "]",
        "rule '" + rule.name + "': Hyperscan rejects pattern '" + p.expression + "': " + msg});
  };
  if (failed >= 0 && static_cast<size_t>(failed) < list.ids.size()) {
    report(static_cast<size_t>(failed), message);
    return;
  }
  // Hyperscan did not say which one: try each alone.
  bool found = false;
  for (size_t k = 0; k < list.ids.size(); ++k) {
    PatternList one;
    one.expressions.push_back(list.expressions[k]);
    one.flags.push_back(list.flags[k]);
    one.ids.push_back(0);
    std::string m;
    int ignored = -1;
    if (try_compile(one, &db, m, ignored)) {
      hs_free_database(db);
    } else {
      report(k, m);
      found = true;
    }
  }
  if (!found)
    problems.push_back(Problem{
        rule.file, rule.line, "rules[" + std::to_string(index_in_file) + "].message",
        "rule '" + rule.name + "': Hyperscan cannot compile its patterns together: " + message});
}

std::string join_files(const std::vector<std::string>& files) {
  std::string s;
  for (const auto& f : files) {
    if (!s.empty()) s += ", ";
    s += f;
  }
  return s;
}

bool contains(const std::vector<std::string>& list, std::string_view v) {
  for (const auto& s : list)
    if (s == v) return true;
  return false;
}

}  // namespace

std::shared_ptr<const Matcher> Matcher::compile(RuleSet rules) {
  std::shared_ptr<Matcher> m(new Matcher());
  m->rules_ = std::move(rules);
  const auto& all = m->rules_.rules;

  // 1. Each rule alone, so every rejected pattern is reported with its place.
  std::vector<Problem> problems;
  std::map<std::string, size_t> next_index;  // per file: index of the next rule in it
  for (const auto& rule : all) check_rule(rule, next_index[rule.file]++, problems);
  if (!problems.empty()) throw LoadError(std::move(problems));

  // 2. All rules in one database; ids are assigned rule by rule, match before exclude.
  PatternList list;
  m->ranges_.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    PatternRange r;
    r.first = static_cast<uint32_t>(list.ids.size());
    for (const auto& p : all[i].match) {
      list.add(p, static_cast<unsigned int>(list.ids.size()));
      m->pattern_rule_.push_back(static_cast<uint32_t>(i));
      m->pattern_exclude_.push_back(0);
    }
    r.match_end = static_cast<uint32_t>(list.ids.size());
    for (const auto& p : all[i].exclude) {
      list.add(p, static_cast<unsigned int>(list.ids.size()));
      m->pattern_rule_.push_back(static_cast<uint32_t>(i));
      m->pattern_exclude_.push_back(1);
    }
    r.end = static_cast<uint32_t>(list.ids.size());
    m->ranges_.push_back(r);
  }
  if (!list.ids.empty()) {
    std::string message;
    int failed = -1;
    if (!try_compile(list, &m->db_, message, failed)) {
      throw LoadError({Problem{join_files(m->rules_.files), 0, "",
                               "Hyperscan cannot compile the " + std::to_string(list.ids.size()) +
                                   " patterns of " + std::to_string(all.size()) +
                                   " rules into one database: " + message}});
    }
  }
  return m;
}

Matcher::~Matcher() {
  if (db_ != nullptr) hs_free_database(db_);
}

Matcher::Scratch::Scratch(const Matcher& m) {
  if (m.db_ != nullptr && hs_alloc_scratch(m.db_, &hs_) != HS_SUCCESS)
    throw std::runtime_error("Hyperscan could not allocate scratch space");
  hits_.assign(m.pattern_count(), 0);
  set_.reserve(m.pattern_count());
  selected_.assign(m.rules().size(), 0);
}

Matcher::Scratch::~Scratch() {
  if (hs_ != nullptr) hs_free_scratch(hs_);
}

int Matcher::on_hit(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
                    unsigned int /*flags*/, void* context) {
  auto* s = static_cast<Scratch*>(context);
  if (s->hits_[id] == 0) {
    s->hits_[id] = 1;
    s->set_.push_back(id);
  }
  return 0;
}

bool Matcher::selected(const Rule& rule, const Event& event) const {
  if (!rule.types.empty() && !contains(rule.types, event.type)) return false;
  for (const auto& t : rule.tags_all)
    if (!event.has_tag(t)) return false;
  if (!rule.tags_any.empty()) {
    bool any = false;
    for (const auto& t : rule.tags_any) any = any || event.has_tag(t);
    if (!any) return false;
  }
  for (const auto& t : rule.tags_none)
    if (event.has_tag(t)) return false;
  for (const auto& f : rule.fields) {
    std::string_view value;
    if (!event.field(f.name, value) || !contains(f.equals, value)) return false;
  }
  return true;
}

std::string Matcher::group_key(const Rule& rule, const Event& event) const {
  switch (rule.group_by) {
    case GroupBy::rule:
      return rule.name;
    case GroupBy::fingerprint:
      return fingerprint(event.message).hash;
    case GroupBy::field: {
      std::string_view value;
      if (!event.field(rule.group_field, value)) return "(missing)";
      return std::string(value);
    }
    case GroupBy::match_text:  // not parsed yet: the loader does not produce it
      break;
  }
  return rule.name;
}

void Matcher::match(const Event& event, Scratch& scratch, std::vector<Match>& out) const {
  const auto& all = rules_.rules;
  if (scratch.selected_.size() != all.size() || scratch.hits_.size() != pattern_count())
    throw std::logic_error("Matcher::match: the scratch was made for another matcher");

  bool scan = false;
  bool any_selected = false;
  for (size_t i = 0; i < all.size(); ++i) {
    bool sel = selected(all[i], event);
    scratch.selected_[i] = sel ? 1 : 0;
    any_selected = any_selected || sel;
    scan = scan || (sel && ranges_[i].end > ranges_[i].first);
  }
  if (!any_selected) return;

  // Clears exactly the hits this scan set, also when the scan fails or group_key() throws.
  struct ResetHits {
    Scratch& s;
    ~ResetHits() {
      for (uint32_t id : s.set_) s.hits_[id] = 0;
      s.set_.clear();
    }
  } reset{scratch};
  if (scan) {
    static constexpr char kEmpty[] = "";
    const char* data = event.message.empty() ? kEmpty : event.message.data();
    size_t size = std::min<size_t>(event.message.size(), std::numeric_limits<unsigned int>::max());
    ++scratch.scans_;
    hs_error_t rc = hs_scan(db_, data, static_cast<unsigned int>(size), 0, scratch.hs_,
                            &Matcher::on_hit, &scratch);
    if (rc != HS_SUCCESS)
      throw std::runtime_error("Hyperscan scan failed with error " + std::to_string(rc));
  }

  for (size_t i = 0; i < all.size(); ++i) {
    if (scratch.selected_[i] == 0) continue;
    const PatternRange& r = ranges_[i];
    bool hit = r.match_end == r.first;  // no match patterns: every selected event
    for (uint32_t id = r.first; !hit && id < r.match_end; ++id) hit = scratch.hits_[id] != 0;
    bool vetoed = false;
    for (uint32_t id = r.match_end; hit && !vetoed && id < r.end; ++id)
      vetoed = scratch.hits_[id] != 0;
    if (hit && !vetoed) out.push_back(Match{i, group_key(all[i], event)});
  }
}

}  // namespace klaxon
