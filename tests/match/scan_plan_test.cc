#include "match/scan_plan.h"

#include <gtest/gtest.h>

#include "match/rules_loader.h"

namespace klaxon {
namespace {

using Rules = std::vector<uint32_t>;

std::vector<Rule> rules_of(const std::string& yaml) {
  return parse_rules(yaml, "rules.yaml").rules;
}

// The rules of a bucket's database, empty when it has none.
Rules set_rules(const ScanPlan& plan, int set) {
  return set == ScanPlan::kNone ? Rules{} : plan.sets()[static_cast<size_t>(set)].rules;
}

const char* kMixed = R"(rules:
  - name: biz-error          # 0: pay-biz, selected by type alone
    filter: {type: pay-biz}
    message: {match: [ERROR], exclude: [HealthCheck]}
  - name: debug-timeout      # 1: pay-debug, selected by type alone
    filter: {type: pay-debug}
    message: {match: [timeout]}
  - name: oom                # 2: every type
    message: {match: [OutOfMemoryError]}
  - name: stack-pkg          # 3: every type, stack traces only
    filter: {tags: {all: [exception_stack]}}
    message: {match: [com.pay.mod]}
  - name: stack-any          # 4: every type, stack traces only, no match patterns
    filter: {tags: {all: [exception_stack]}}
    message: {exclude: [Broken pipe]}
)";

TEST(ScanPlan, EachTypeScansOnlyTheRulesThatCanApplyToIt) {
  ScanPlan plan = ScanPlan::build(rules_of(kMixed));
  ASSERT_FALSE(plan.shared());
  const ScanPlan::Bucket& biz = plan.bucket("pay-biz");
  EXPECT_EQ(set_rules(plan, biz.plain), (Rules{0, 2}));
  EXPECT_EQ(set_rules(plan, biz.full), (Rules{0, 2, 3})) << "plain plus the conditioned rules";
  EXPECT_EQ(set_rules(plan, biz.excludes), (Rules{0, 4}));
  EXPECT_EQ(biz.patternless, (Rules{4}));
  EXPECT_EQ(biz.conditions.size(), 1u);

  const ScanPlan::Bucket& debug = plan.bucket("pay-debug");
  EXPECT_EQ(set_rules(plan, debug.plain), (Rules{1, 2}));
  EXPECT_EQ(set_rules(plan, debug.full), (Rules{1, 2, 3}));
  EXPECT_EQ(set_rules(plan, debug.excludes), (Rules{4}));

  // A type no rule names gets the untyped rules only.
  const ScanPlan::Bucket& other = plan.bucket("nginx");
  EXPECT_EQ(&other, &plan.bucket(""));
  EXPECT_EQ(set_rules(plan, other.plain), (Rules{2}));
  EXPECT_EQ(set_rules(plan, other.full), (Rules{2, 3}));
  EXPECT_EQ(set_rules(plan, other.excludes), (Rules{4}));
  for (const auto& set : plan.sets()) EXPECT_FALSE(set.rules.empty());
}

TEST(ScanPlan, ListsThatComeOutTheSameAreOneDatabase) {
  ScanPlan plan = ScanPlan::build(rules_of(R"(rules:
  - name: a
    filter: {type: [pay-biz, pay-debug]}
    message: {match: [ERROR]}
  - name: b
    message: {exclude: [HealthCheck]}
)"));
  const auto& biz = plan.bucket("pay-biz");
  const auto& debug = plan.bucket("pay-debug");
  EXPECT_EQ(biz.plain, debug.plain);
  EXPECT_EQ(biz.excludes, debug.excludes);
  EXPECT_EQ(biz.full, ScanPlan::kNone) << "no conditioned rule: nothing but plain to scan";
  // pay-biz/pay-debug plain {a}, everyone's excludes {b}; the untyped bucket shares {b}.
  EXPECT_EQ(plan.sets().size(), 2u);
  EXPECT_EQ(plan.bucket("nginx").plain, ScanPlan::kNone);
  EXPECT_EQ(plan.bucket("nginx").excludes, biz.excludes);
}

TEST(ScanPlan, EqualConditionsAreOneGroup) {
  ScanPlan plan = ScanPlan::build(rules_of(R"(rules:
  - name: a
    filter: {tags: {all: [exception_stack]}}
  - name: b
    filter: {tags: {all: [exception_stack]}}
    message: {match: [x]}
  - name: c
    filter: {tags: {any: [exception_stack]}}
  - name: d
    filter: {fields: {env: {equals: [prod]}}}
  - name: e
    filter: {fields: {env: {equals: [prod]}}}
  - name: f
    filter: {fields: {env: {equals: [test]}}}
  - name: g
    filter: {type: pay-biz}
)"));
  EXPECT_EQ(plan.condition_of(0), plan.condition_of(1));
  EXPECT_NE(plan.condition_of(0), plan.condition_of(2)) << "all: is not any:";
  EXPECT_EQ(plan.condition_of(3), plan.condition_of(4));
  EXPECT_NE(plan.condition_of(3), plan.condition_of(5));
  EXPECT_EQ(plan.condition_of(6), ScanPlan::kNone) << "a type is not a condition";
  EXPECT_EQ(plan.condition_count(), 4u);
  EXPECT_EQ(plan.condition_rule(static_cast<size_t>(plan.condition_of(1))), 0u);
}

TEST(ScanPlan, TooManyCopiesOfUntypedRulesShareOneBucket) {
  // Ten untyped rules and twenty types: per-type databases would hold the ten rules twenty
  // times over.
  std::string yaml = "rules:\n";
  for (int i = 0; i < 10; ++i)
    yaml += "  - name: any-" + std::to_string(i) + "\n    message: {match: [e" + std::to_string(i) +
            "]}\n";
  for (int i = 0; i < 20; ++i)
    yaml += "  - name: typed-" + std::to_string(i) + "\n    filter: {type: t" + std::to_string(i) +
            "}\n    message: {match: [t" + std::to_string(i) + "]}\n";
  ScanPlan plan = ScanPlan::build(rules_of(yaml), 4);
  ASSERT_TRUE(plan.shared());
  EXPECT_EQ(&plan.bucket("t3"), &plan.bucket("nginx"));
  EXPECT_EQ(set_rules(plan, plan.bucket("t3").plain).size(), 30u) << "every rule, once";
  EXPECT_EQ(plan.sets().size(), 1u);

  EXPECT_FALSE(ScanPlan::build(rules_of(yaml), 100).shared());
}

}  // namespace
}  // namespace klaxon
