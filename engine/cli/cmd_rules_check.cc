// `klaxon rules check PATH...`: validates and compiles rule files, for a CI pre-merge step.
// Every problem of every file in one run: structural ones, and Hyperscan's verdict on the
// patterns of every rule, those with other problems included.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "core/error.h"
#include "core/text.h"
#include "match/matcher.h"
#include "match/rules_loader.h"

namespace klaxon {

int rules_check_command(const RulesCheckCommand& cmd) {
  std::vector<Problem> problems;
  size_t rules = 0, patterns = 0, files = 0;
  std::map<std::string_view, size_t> by_type;
  auto started = std::chrono::steady_clock::now();
  for (const auto& path : cmd.paths) {
    RulesReport report = read_rules(path);
    problems.insert(problems.end(), report.problems.begin(), report.problems.end());
    std::vector<Problem> rejected = Matcher::check_patterns(report.broken);
    problems.insert(problems.end(), rejected.begin(), rejected.end());
    if (report.usable.rules.empty()) continue;
    try {
      auto matcher = Matcher::compile(std::move(report.usable));
      rules += matcher->rules().size();
      patterns += matcher->pattern_count();
      files += matcher->rule_set().files.size();
      for (const auto& r : matcher->rules()) ++by_type[to_string(r.type)];
    } catch (const LoadError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  if (!problems.empty()) {
    // In file order, as an editor and CI annotations show them.
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      if (a.file != b.file) return a.file < b.file;
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    std::fprintf(stderr, "%s\n", plural(problems.size(), "problem").c_str());
    return 2;
  }
  std::string types;
  for (const auto& [type, n] : by_type)
    types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(type);
  std::printf("ok: %s (%s), %s from %s, compiled in %s\n", plural(rules, "rule").c_str(),
              types.c_str(), plural(patterns, "pattern").c_str(), plural(files, "file").c_str(),
              human_duration(ms).c_str());
  return 0;
}

}  // namespace klaxon
