// `klaxon rules check PATH...`: validates and compiles rule files, for a CI pre-merge step.
#include <chrono>
#include <cstdio>
#include <map>

#include "app/commands.h"
#include "core/error.h"
#include "match/matcher.h"
#include "match/rules_loader.h"

namespace klaxon {

int rules_check_command(const RulesCheckCommand& cmd) {
  std::vector<Problem> problems;
  size_t rules = 0, patterns = 0, files = 0;
  std::map<std::string_view, size_t> by_type;
  auto started = std::chrono::steady_clock::now();
  for (const auto& path : cmd.paths) {
    try {
      auto matcher = Matcher::compile(load_rules(path));
      rules += matcher->rules().size();
      patterns += matcher->pattern_count();
      files += matcher->rule_set().files.size();
      for (const auto& r : matcher->rules()) ++by_type[to_string(r.type)];
    } catch (const LoadError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    std::fprintf(stderr, "%zu problem%s\n", problems.size(), problems.size() == 1 ? "" : "s");
    return 2;
  }
  std::string types;
  for (const auto& [type, n] : by_type)
    types += (types.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(type);
  std::printf("ok: %zu rules (%s), %zu patterns from %zu files, compiled in %.0f ms\n", rules,
              types.c_str(), patterns, files, ms);
  return 0;
}

}  // namespace klaxon
