#include "match/scan_plan.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

namespace klaxon {
namespace {

// Equality of two short strings of the same length, inline: a call to memcmp per candidate
// type cost more than the comparison itself (it was 3% of decode + match).
bool same_bytes(const char* a, const char* b, size_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  for (; n > 0; ++a, ++b, --n)
    if (*a != *b) return false;
  return true;
}

bool has_conditions(const Rule& r) {
  return !r.tags_all.empty() || !r.tags_any.empty() || !r.tags_none.empty() || !r.fields.empty();
}

// Length-prefixed, so no two different condition lists write the same key.
void put(std::string& key, std::string_view s) {
  key += std::to_string(s.size());
  key += ':';
  key += s;
}

void put(std::string& key, const std::vector<std::string>& list) {
  key += '[';
  for (const auto& s : list) put(key, s);
  key += ']';
}

void put(std::string& key, const std::optional<double>& v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, v ? "%a;" : "-;", v.value_or(0));
  key += buf;
}

// Two rules with equal keys select exactly the same events (types aside).
std::string condition_key(const Rule& r) {
  std::string key;
  put(key, r.tags_all);
  put(key, r.tags_any);
  put(key, r.tags_none);
  for (const FieldCondition& c : r.fields) {
    put(key, c.name);
    put(key, c.equals);
    put(key, c.prefixes);
    if (c.regex) {
      key += c.regex->literal ? 'L' : 'R';
      key += c.regex->case_insensitive ? 'i' : 's';
      put(key, c.regex->expression);
    } else {
      key += '-';
    }
    key += !c.exists ? '-' : *c.exists ? 'y' : 'n';
    put(key, c.gt);
    put(key, c.gte);
    put(key, c.lt);
    put(key, c.lte);
  }
  return key;
}

class Builder {
 public:
  explicit Builder(const std::vector<Rule>& rules, const std::vector<int>& condition_of)
      : rules_(rules), condition_of_(condition_of) {}

  // The bucket of the rules `applies` accepts.
  template <typename Applies>
  ScanPlan::Bucket bucket(Applies applies) {
    std::vector<uint32_t> plain, full, excludes;
    std::set<uint32_t> conditions;
    ScanPlan::Bucket b;
    for (uint32_t i = 0; i < rules_.size(); ++i) {
      const Rule& r = rules_[i];
      if (!applies(r)) continue;
      if (!r.exclude.empty()) excludes.push_back(i);
      if (r.match.empty()) {
        b.patternless.push_back(i);
      } else if (condition_of_[i] == ScanPlan::kNone) {
        plain.push_back(i);
        full.push_back(i);
      } else {
        full.push_back(i);
        conditions.insert(static_cast<uint32_t>(condition_of_[i]));
      }
    }
    if (!conditions.empty()) b.full = set_of(false, std::move(full));
    b.plain = set_of(false, std::move(plain));
    b.excludes = set_of(true, std::move(excludes));
    b.conditions.assign(conditions.begin(), conditions.end());
    return b;
  }

  std::vector<ScanPlan::PatternSet> take_sets() { return std::move(sets_); }
  size_t patterns_compiled() const { return patterns_; }

 private:
  int set_of(bool excludes, std::vector<uint32_t> rules) {
    if (rules.empty()) return ScanPlan::kNone;
    auto [it, added] = index_.try_emplace({excludes, rules}, static_cast<int>(sets_.size()));
    if (added) {
      for (uint32_t i : rules)
        patterns_ += excludes ? rules_[i].exclude.size() : rules_[i].match.size();
      sets_.push_back(ScanPlan::PatternSet{excludes, std::move(rules)});
    }
    return it->second;
  }

  const std::vector<Rule>& rules_;
  const std::vector<int>& condition_of_;
  std::vector<ScanPlan::PatternSet> sets_;
  std::map<std::pair<bool, std::vector<uint32_t>>, int> index_;
  size_t patterns_ = 0;
};

}  // namespace

ScanPlan ScanPlan::build(const std::vector<Rule>& rules, size_t max_copies) {
  ScanPlan plan;
  std::map<std::string, int> groups;
  plan.condition_of_.assign(rules.size(), kNone);
  size_t patterns = 0;
  std::set<std::string, std::less<>> types;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    patterns += r.match.size() + r.exclude.size();
    types.insert(r.types.begin(), r.types.end());
    if (!has_conditions(r)) continue;
    auto [it, added] =
        groups.try_emplace(condition_key(r), static_cast<int>(plan.condition_rule_.size()));
    if (added) plan.condition_rule_.push_back(i);
    plan.condition_of_[i] = it->second;
  }

  Builder per_type(rules, plan.condition_of_);
  plan.types_.assign(types.begin(), types.end());
  for (const std::string& t : plan.types_)
    plan.by_type_.push_back(per_type.bucket([&](const Rule& r) {
      if (r.types.empty()) return true;
      for (const auto& rt : r.types)
        if (rt == t) return true;
      return false;
    }));
  plan.untyped_ = per_type.bucket([](const Rule& r) { return r.types.empty(); });
  if (per_type.patterns_compiled() <= max_copies * patterns) {
    plan.sets_ = per_type.take_sets();
    return plan;
  }
  Builder one(rules, plan.condition_of_);
  plan.types_.clear();
  plan.by_type_.clear();
  plan.untyped_ = one.bucket([](const Rule&) { return true; });
  plan.sets_ = one.take_sets();
  plan.shared_ = true;
  return plan;
}

const ScanPlan::Bucket& ScanPlan::bucket(std::string_view type) const {
  // A handful of types is the rule: comparing lengths first beats hashing the type.
  if (types_.size() <= 16) {
    for (size_t k = 0; k < types_.size(); ++k)
      if (types_[k].size() == type.size() && same_bytes(types_[k].data(), type.data(), type.size()))
        return by_type_[k];
    return untyped_;
  }
  auto it = std::lower_bound(types_.begin(), types_.end(), type,
                             [](const std::string& a, std::string_view b) { return a < b; });
  if (it != types_.end() && *it == type) return by_type_[static_cast<size_t>(it - types_.begin())];
  return untyped_;
}

}  // namespace klaxon
