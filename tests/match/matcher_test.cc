#include "match/matcher.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "match/fingerprint.h"
#include "match/rules_loader.h"

namespace klaxon {
namespace {

std::shared_ptr<const Matcher> compile_text(const std::string& yaml) {
  return Matcher::compile(parse_rules(yaml, "rules.yaml"));
}

std::string compile_problems(const std::string& yaml) {
  try {
    compile_text(yaml);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

Event make_event(std::string_view message, std::string_view type = "pay-biz",
                 std::vector<std::string_view> tags = {}) {
  Event e;
  e.message = message;
  e.type = type;
  e.tags = std::move(tags);
  e.host = "pay-web-1";
  return e;
}

// Names of the rules `event` matches, in rule order.
std::vector<std::string> matched(const Matcher& m, Matcher::Scratch& s, const Event& event) {
  std::vector<Match> out;
  m.match(event, s, out);
  std::vector<std::string> names;
  for (const auto& x : out) names.push_back(m.rules()[x.rule_index].name);
  return names;
}

using Names = std::vector<std::string>;

TEST(Matcher, SelectsByType) {
  auto m = compile_text("rules:\n  - name: r\n    filter: {type: [pay-biz, pay-debug]}\n");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("x", "pay-biz")), Names{"r"});
  EXPECT_EQ(matched(*m, s, make_event("x", "pay-debug")), Names{"r"});
  EXPECT_EQ(matched(*m, s, make_event("x", "nginx")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("x", "")), Names{});
}

TEST(Matcher, SelectsByTags) {
  auto m = compile_text(R"(rules:
  - name: all
    filter: {tags: {all: [a, b]}}
  - name: any
    filter: {tags: {any: [a, b]}}
  - name: none
    filter: {tags: {none: [a, b]}}
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("x", "t", {"a", "b", "c"})), (Names{"all", "any"}));
  EXPECT_EQ(matched(*m, s, make_event("x", "t", {"b"})), Names{"any"});
  EXPECT_EQ(matched(*m, s, make_event("x", "t", {"c"})), Names{"none"});
  EXPECT_EQ(matched(*m, s, make_event("x", "t", {})), Names{"none"});
}

TEST(Matcher, SelectsByFields) {
  auto m = compile_text(R"(rules:
  - name: prod
    filter:
      fields:
        env: [prod, staging]
        host: pay-web-1
)");
  Matcher::Scratch s(*m);
  Event e = make_event("x");
  EXPECT_EQ(matched(*m, s, e), Names{}) << "a field the event lacks does not select";
  e.fields = {{"env", "prod"}};
  EXPECT_EQ(matched(*m, s, e), Names{"prod"});
  e.fields = {{"env", "staging"}};
  EXPECT_EQ(matched(*m, s, e), Names{"prod"});
  e.fields = {{"env", "dev"}};
  EXPECT_EQ(matched(*m, s, e), Names{});
  e.fields = {{"env", "prod"}};
  e.host = "pay-web-2";
  EXPECT_EQ(matched(*m, s, e), Names{});
}

TEST(Matcher, MatchPatternsAndExcludeVeto) {
  auto m = compile_text(R"(rules:
  - name: errors
    message:
      match: ['\bERROR\b', 'FATAL']
      exclude: ['HealthCheck', 'Broken pipe']
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("2026-01-01 ERROR charge failed")), Names{"errors"});
  EXPECT_EQ(matched(*m, s, make_event("FATAL out of memory")), Names{"errors"});
  EXPECT_EQ(matched(*m, s, make_event("ERRORS are words")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("INFO paid")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("ERROR HealthCheck failed")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("ERROR write: Broken pipe")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("ERROR charge failed")), Names{"errors"})
      << "hits of an earlier scan must not leak into the next";
}

TEST(Matcher, PatternsSeeEveryLineOfTheMessage) {
  auto m = compile_text("rules:\n  - name: r\n    message: {match: ['^Caused by: java\\.sql']}\n");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("ERROR x\n\tat a.B.c(B.java:1)\nCaused by: java.sql.E: y")),
            Names{"r"});
}

TEST(Matcher, CaseInsensitive) {
  auto m = compile_text(R"(rules:
  - name: ci
    message: {match: ['error'], exclude: ['healthcheck'], case_insensitive: true}
  - name: cs
    message: {match: ['error']}
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("ERROR x")), Names{"ci"});
  EXPECT_EQ(matched(*m, s, make_event("error x")), (Names{"ci", "cs"}));
  EXPECT_EQ(matched(*m, s, make_event("ERROR HEALTHCHECK")), Names{});
}

TEST(Matcher, RuleWithoutPatternsMatchesEverySelectedEventWithoutScanning) {
  auto m = compile_text("rules:\n  - name: stacks\n    filter: {tags: {all: [exception_stack]}}\n");
  EXPECT_EQ(m->pattern_count(), 0u);
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("anything", "t", {"exception_stack"})), Names{"stacks"});
  EXPECT_EQ(matched(*m, s, make_event("anything")), Names{});
  EXPECT_EQ(s.scans(), 0u);
}

TEST(Matcher, ExcludeOnlyRuleMatchesUnlessVetoed) {
  auto m = compile_text("rules:\n  - name: r\n    message: {exclude: ['Broken pipe']}\n");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("anything")), Names{"r"});
  EXPECT_EQ(matched(*m, s, make_event("Broken pipe")), Names{});
}

TEST(Matcher, OneEventCanMatchSeveralRules) {
  auto m = compile_text(R"(rules:
  - name: a
    message: {match: [ERROR]}
  - name: b
    message: {match: [charge]}
  - name: c
    message: {match: [refund]}
  - name: d
)");
  Matcher::Scratch s(*m);
  std::vector<Match> out{Match{99, "kept"}};
  m->match(make_event("ERROR charge failed"), s, out);
  ASSERT_EQ(out.size(), 4u) << "appends, does not clear";
  EXPECT_EQ(out[0].rule_index, 99u);
  EXPECT_EQ(out[1].rule_index, 0u);
  EXPECT_EQ(out[2].rule_index, 1u);
  EXPECT_EQ(out[3].rule_index, 3u);
  EXPECT_EQ(s.scans(), 1u) << "one scan serves every rule";
}

TEST(Matcher, UnselectedEventsAreNotScanned) {
  auto m = compile_text(R"(rules:
  - name: biz-errors
    filter: {type: pay-biz}
    message: {match: [ERROR]}
  - name: stacks
    filter: {tags: {all: [exception_stack]}}
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("ERROR x", "nginx")), Names{});
  EXPECT_EQ(s.scans(), 0u);
  EXPECT_EQ(matched(*m, s, make_event("ERROR x", "nginx", {"exception_stack"})), Names{"stacks"});
  EXPECT_EQ(s.scans(), 0u) << "the selected rule has no patterns";
  EXPECT_EQ(matched(*m, s, make_event("ERROR x", "pay-biz")), Names{"biz-errors"});
  EXPECT_EQ(s.scans(), 1u);
}

TEST(Matcher, ConditionedPatternsAreScannedOnlyWhenTheirConditionHolds) {
  auto m = compile_text(R"(rules:
  - name: stack-pkg
    filter: {tags: {all: [exception_stack]}}
    message: {match: [com.pay.mod]}
  - name: biz-errors
    filter: {type: pay-biz}
    message: {match: [ERROR], exclude: [HealthCheck]}
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("at com.pay.mod1.X", "nginx")), Names{});
  EXPECT_EQ(s.scans(), 0u) << "no tag: the package literal is not scanned for";
  EXPECT_EQ(matched(*m, s, make_event("at com.pay.mod1.X", "pay-biz")), Names{});
  EXPECT_EQ(s.scans(), 1u) << "scanned for ERROR only";
  EXPECT_EQ(matched(*m, s, make_event("ERROR at com.pay.mod1.X", "pay-biz", {"exception_stack"})),
            (Names{"stack-pkg", "biz-errors"}));
  EXPECT_EQ(
      matched(*m, s, make_event("ERROR HealthCheck com.pay.mod1", "pay-biz", {"exception_stack"})),
      Names{"stack-pkg"})
      << "the exclude vetoes only its own rule";
  EXPECT_EQ(matched(*m, s, make_event("at com.pay.mod1.X", "nginx", {"exception_stack"})),
            Names{"stack-pkg"});
}

TEST(Matcher, ManyTypesWithUntypedRulesMatchTheSame) {
  // Enough types that the untyped rules are not copied into each type's databases (one
  // shared bucket, scan_plan.h): matches must not change.
  std::string yaml = "rules:\n";
  for (int i = 0; i < 10; ++i)
    yaml += "  - name: any-" + std::to_string(i) + "\n    message: {match: ['\\be" +
            std::to_string(i) + "\\b'], exclude: [skip]}\n";
  for (int i = 0; i < 20; ++i)
    yaml += "  - name: typed-" + std::to_string(i) + "\n    filter: {type: t" + std::to_string(i) +
            "}\n    message: {match: ['\\bt" + std::to_string(i) + "\\b']}\n  - name: typed-all-" +
            std::to_string(i) + "\n    filter: {type: t" + std::to_string(i) + "}\n";
  auto m = compile_text(yaml);
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("e3 t4 t5", "t4")),
            (Names{"any-3", "typed-4", "typed-all-4"}));
  EXPECT_EQ(matched(*m, s, make_event("e3 t4 skip", "t5")), Names{"typed-all-5"});
  EXPECT_EQ(matched(*m, s, make_event("e9 t4", "nginx")), Names{"any-9"});
}

TEST(Matcher, GroupKeys) {
  auto m = compile_text(R"(rules:
  - name: by-rule
  - name: by-fingerprint
    group_by: fingerprint
  - name: by-host
    group_by: host
  - name: by-merchant
    query_key: merchant
)");
  Matcher::Scratch s(*m);
  std::string_view trace =
      "2026-01-01 ERROR failed\njava.lang.IllegalStateException: x\n\tat com.pay.A.b(A.java:1)";
  Event e = make_event(trace);
  std::vector<Match> out;
  m->match(e, s, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].group_key, "by-rule");
  EXPECT_EQ(out[1].group_key, fingerprint(trace).hash);
  EXPECT_EQ(out[2].group_key, "pay-web-1");
  EXPECT_EQ(out[3].group_key, "(missing)");
  e.fields = {{"merchant", "m-42"}};
  out.clear();
  m->match(e, s, out);
  EXPECT_EQ(out[3].group_key, "m-42");

  out.clear();
  m->match(make_event("ERROR no trace here"), s, out);
  EXPECT_EQ(out[1].group_key.size(), 16u) << "a message without a trace still has a fingerprint";
}

TEST(Matcher, EmptyRuleSet) {
  auto m = Matcher::compile(RuleSet{});
  Matcher::Scratch s(*m);
  std::vector<Match> out;
  m->match(make_event("ERROR x"), s, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(m->pattern_count(), 0u);
  auto m2 = compile_text("rules: []\n");
  Matcher::Scratch s2(*m2);
  m2->match(make_event("ERROR x"), s2, out);
  EXPECT_TRUE(out.empty());
}

TEST(Matcher, RejectedPatternsNameFileLineRuleAndPattern) {
  EXPECT_EQ(compile_problems(R"(rules:
  - name: fine
    message: {match: [ok]}
  - name: backref
    message:
      match:
        - 'ERROR'
        - '(a)\1'
  - name: lookahead
    message:
      exclude: ['(?=x)']
)"),
            "rules.yaml:8:11: rules[1] (backref).message.match[1]: Hyperscan rejects pattern "
            "'(a)\\1': Back-references are unsupported.\n"
            "rules.yaml:11:17: rules[2] (lookahead).message.exclude[0]: Hyperscan rejects "
            "pattern '(?=x)': Zero-width assertions are not supported.");
}

// In words a rule author can act on, not Hyperscan's advice about a compile flag.
TEST(Matcher, PatternMatchingTheEmptyStringIsRejected) {
  EXPECT_EQ(compile_problems("rules:\n  - name: everything\n    message:\n      match: ['.*']\n"),
            "rules.yaml:4:15: rules[0] (everything).message.match[0]: pattern '.*' can match an "
            "empty string, so it would match every event (and Hyperscan refuses it): make it "
            "require some text, e.g. 'ERROR.*' rather than '.*', 'timeout \\d+' rather than "
            "'\\d*'. To select every event the filter passes, leave message.match out");
}

// Rules not compiled into a set (rules check's rules with other problems) are checked one
// by one, named by their place in their file.
TEST(Matcher, CheckPatternsNamesEveryRejectionOfEachRule) {
  RuleSet set = parse_rules(
      "rules:\n  - name: a\n  - name: b\n    message: {match: ['(a)\\1', ok], exclude: ['(?=x)']}\n"
      "    filter: {fields: {ua: {regex: '\\1'}}}\n",
      "f.yaml");
  std::vector<Problem> problems = Matcher::check_patterns(set.rules);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].key, "rules[1] (b).filter.fields.ua.regex");
  EXPECT_EQ(problems[1].key, "rules[1] (b).message.match[0]");
  EXPECT_EQ(problems[2].key, "rules[1] (b).message.exclude[0]");
  EXPECT_TRUE(Matcher::check_patterns({set.rules[0]}).empty());
}

TEST(Matcher, RuleIndexInErrorsCountsWithinEachFile) {
  RuleSet set = parse_rules("rules:\n  - name: a\n  - name: b\n", "a.yaml");
  RuleSet more = parse_rules("rules:\n  - name: c\n    message: {match: ['(a)\\1']}\n", "b.yaml");
  set.rules.push_back(more.rules[0]);
  set.files.push_back("b.yaml");
  try {
    Matcher::compile(set);
    FAIL() << "compiled";
  } catch (const LoadError& e) {
    EXPECT_STREQ(e.what(),
                 "b.yaml:3:23: rules[0] (c).message.match[0]: Hyperscan rejects pattern "
                 "'(a)\\1': Back-references are unsupported.");
  }
}

// rules/pay.yaml against events as the generator and Logstash produce them.
class PayRules : public ::testing::Test {
 protected:
  PayRules() : m_(Matcher::compile(load_rules(KLAXON_SOURCE_DIR "/rules/pay.yaml"))), s_(*m_) {}
  std::vector<Match> run(const Event& e) {
    std::vector<Match> out;
    m_->match(e, s_, out);
    return out;
  }
  std::shared_ptr<const Matcher> m_;
  Matcher::Scratch s_;
};

TEST_F(PayRules, ErrorLineMatchesPayErrorLog) {
  for (std::string_view type : {"pay-biz", "pay-debug"}) {
    auto out = run(make_event(
        "2026-11-24 10:15:30.123 ERROR [http-nio-8080-exec-3] c.p.ChannelClient - channel "
        "timeout reqId=9f1c2a orderId=20261124001",
        type));
    ASSERT_EQ(out.size(), 1u) << type;
    EXPECT_EQ(m_->rules()[out[0].rule_index].name, "pay-error-log");
    EXPECT_EQ(out[0].group_key, "pay-error-log");
  }
  EXPECT_TRUE(run(make_event("2026-11-24 ERROR [main] x - boom", "nginx")).empty());
}

TEST_F(PayRules, NoiseIsExcluded) {
  for (std::string_view noise :
       {"2026-11-24 ERROR [exec-1] c.p.Web - write failed: java.io.IOException: Broken pipe",
        "2026-11-24 ERROR [exec-1] c.p.Web - HealthCheck failed",
        "2026-11-24 ERROR [exec-1] c.p.Web - org.apache.catalina.connector.ClientAbortException",
        "2026-11-24 ERROR [exec-1] c.p.Pay - declined merchant=test-merchant"}) {
    EXPECT_TRUE(run(make_event(noise)).empty()) << noise;
    EXPECT_TRUE(run(make_event(noise, "pay-biz", {"exception_stack"})).empty()) << noise;
  }
}

TEST_F(PayRules, ExceptionStackMatchesPayExceptionStackByFingerprint) {
  std::string_view trace =
      "2026-11-24 10:15:30.123 ERROR [exec-7] c.p.PayService - charge failed reqId=77aa\n"
      "java.lang.NullPointerException: null\n"
      "\tat com.pay.service.PayService.charge(PayService.java:88)\n"
      "\tat com.pay.web.PayController.pay(PayController.java:41)\n"
      "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)";
  auto out = run(make_event(trace, "pay-biz", {"exception_stack", "multiline"}));
  ASSERT_EQ(out.size(), 1u) << "tags none [exception_stack] keeps pay-error-log out";
  EXPECT_EQ(m_->rules()[out[0].rule_index].name, "pay-exception-stack");
  EXPECT_EQ(out[0].group_key, fingerprint(trace).hash);

  out = run(make_event(trace, "some-other-app", {"exception_stack"}));
  ASSERT_EQ(out.size(), 1u) << "every exception_stack event, whatever its type";
}

TEST_F(PayRules, InfoLineMatchesNothing) {
  EXPECT_TRUE(run(make_event("2026-11-24 INFO [exec-1] c.p.PayService - pay success "
                             "orderId=1 reqId=2"))
                  .empty());
  EXPECT_TRUE(
      run(make_event("2026-11-24 WARN [exec-1] c.p.PayService - declined: ERRORCODE=5")).empty());
}

}  // namespace
}  // namespace klaxon

namespace klaxon {
namespace {

Event with_fields(std::vector<Field> fields, std::string_view message = "x") {
  Event e;
  e.message = message;
  e.type = "pay-biz";
  e.fields = std::move(fields);
  return e;
}

std::vector<std::string> names_of(const Matcher& m, Matcher::Scratch& s, const Event& e) {
  std::vector<Match> out;
  m.match(e, s, out);
  std::vector<std::string> names;
  for (const auto& x : out) names.push_back(m.rules()[x.rule_index].name);
  return names;
}

TEST(MatcherFields, EveryOperator) {
  auto m = Matcher::compile(parse_rules(R"(rules:
  - name: prefix
    filter: {fields: {logger: {prefix: [com.pay., com.order.]}}}
  - name: regex
    filter: {fields: {agent: {regex: '^curl/\d+$', case_insensitive: true}}}
  - name: exists
    filter: {fields: {trace_id: {exists: true}}}
  - name: absent
    filter: {fields: {trace_id: {exists: false}}}
  - name: server-error
    filter: {fields: {status: {gte: 500, lt: 600}}}
  - name: equals
    filter: {fields: {env: [prod, staging]}}
)",
                                        "rules.yaml"));
  Matcher::Scratch s(*m);
  using N = std::vector<std::string>;
  EXPECT_EQ(names_of(*m, s, with_fields({{"logger", "com.pay.PayService"}})),
            (N{"prefix", "absent"}));
  EXPECT_EQ(names_of(*m, s, with_fields({{"logger", "org.pay.X"}})), N{"absent"});
  EXPECT_EQ(names_of(*m, s, with_fields({{"agent", "CURL/7"}})), (N{"regex", "absent"}));
  EXPECT_EQ(names_of(*m, s, with_fields({{"agent", "curl/7 extra"}})), N{"absent"}) << "anchored";
  EXPECT_EQ(names_of(*m, s, with_fields({{"trace_id", ""}})), N{"exists"}) << "empty is present";
  EXPECT_EQ(names_of(*m, s, with_fields({{"status", "503"}})), (N{"absent", "server-error"}));
  EXPECT_EQ(names_of(*m, s, with_fields({{"status", "5.0e2"}})), (N{"absent", "server-error"}));
  EXPECT_EQ(names_of(*m, s, with_fields({{"status", "600"}})), N{"absent"}) << "lt is strict";
  EXPECT_EQ(names_of(*m, s, with_fields({{"status", "oops"}})), N{"absent"}) << "not a number";
  EXPECT_EQ(names_of(*m, s, with_fields({{"env", "staging"}})), (N{"absent", "equals"}));
  EXPECT_EQ(names_of(*m, s, with_fields({})), N{"absent"}) << "missing fields fail the others";
}

TEST(MatcherFields, BadFieldRegexIsNamed) {
  try {
    Matcher::compile(parse_rules(
        "rules:\n  - name: a\n    filter:\n      fields:\n        ua: {regex: '(?<=x)y'}\n",
        "rules.yaml"));
    FAIL() << "compiled";
  } catch (const LoadError& e) {
    EXPECT_STREQ(e.what(),
                 "rules.yaml:5:21: rules[0] (a).filter.fields.ua.regex: Hyperscan rejects pattern "
                 "'(?<=x)y': Zero-width assertions are not supported.");
  }
}

TEST(MatcherPatterns, LiteralsMatchAsWrittenInBothDatabaseKinds) {
  auto literal_only = Matcher::compile(parse_rules(R"(rules:
  - name: lit
    message: {match: [{literal: 'a.b*c (x)'}, {literal: 'OOM', case_insensitive: true}]}
)",
                                                   "rules.yaml"));
  EXPECT_TRUE(literal_only->literal_database());
  auto mixed = Matcher::compile(parse_rules(R"(rules:
  - name: lit
    message: {match: [{literal: 'a.b*c (x)'}, {literal: 'OOM', case_insensitive: true}]}
  - name: re
    message: {match: ['^never$']}
)",
                                            "rules.yaml"));
  EXPECT_FALSE(mixed->literal_database());
  for (const auto& m : {literal_only, mixed}) {
    Matcher::Scratch s(*m);
    using N = std::vector<std::string>;
    EXPECT_EQ(names_of(*m, s, make_event("see a.b*c (x) here")), N{"lit"});
    EXPECT_EQ(names_of(*m, s, make_event("aXbbbc (x)")), N{}) << "no regex meaning";
    EXPECT_EQ(names_of(*m, s, make_event("java.lang.oom")), N{"lit"});
  }
}

TEST(MatcherPatterns, GroupByMatchKeysOnTheMatchedText) {
  auto m = Matcher::compile(parse_rules(R"(rules:
  - name: by-code
    message: {match: ['code=[A-Z_]+']}
    group_by: match
)",
                                        "rules.yaml"));
  Matcher::Scratch s(*m);
  std::vector<Match> out;
  m->match(make_event("pay-failure code=CHANNEL_TIMEOUT orderId=1"), s, out);
  m->match(make_event("pay-failure code=INSUFFICIENT_FUNDS"), s, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].group_key, "code=CHANNEL_TIMEOUT");
  EXPECT_EQ(out[1].group_key, "code=INSUFFICIENT_FUNDS");
}

// The type index must select exactly what checking every rule would: random rule sets,
// random events, an independent brute-force answer.
TEST(MatcherIndex, SameAnswersAsCheckingEveryRule) {
  const char* types[] = {"pay-biz", "pay-debug", "nginx", "order"};
  const char* words[] = {"ERROR", "timeout", "refund", "OOM"};
  const char* tags[] = {"exception_stack", "canary"};
  std::srand(17);
  RuleSet set;
  for (int i = 0; i < 200; ++i) {
    Rule r;
    r.name = "r" + std::to_string(i);
    for (const char* t : types)
      if (std::rand() % 4 == 0) r.types.push_back(t);
    if (std::rand() % 3 == 0) r.tags_none.push_back(tags[std::rand() % 2]);
    if (std::rand() % 2 == 0) r.match.push_back(Pattern{words[std::rand() % 4], true, false, 1, 1});
    set.rules.push_back(std::move(r));
  }
  auto m = Matcher::compile(set);
  Matcher::Scratch s(*m);
  for (int n = 0; n < 500; ++n) {
    std::string message = std::string(words[std::rand() % 4]) + " " + words[std::rand() % 4];
    Event e;
    e.message = message;
    e.type = std::rand() % 5 == 0 ? "unknown-type" : types[std::rand() % 4];
    if (std::rand() % 2) e.tags.push_back(tags[std::rand() % 2]);
    std::vector<std::string> want;
    for (const Rule& r : set.rules) {
      bool type_ok =
          r.types.empty() || std::find(r.types.begin(), r.types.end(), e.type) != r.types.end();
      bool tags_ok = r.tags_none.empty() || !e.has_tag(r.tags_none[0]);
      bool text_ok = r.match.empty() || message.find(r.match[0].expression) != std::string::npos;
      if (type_ok && tags_ok && text_ok) want.push_back(r.name);
    }
    ASSERT_EQ(names_of(*m, s, e), want) << "event " << n << ": " << e.type << " " << message;
  }
}

// The gate (matcher.h): patterns with a wide repeat are scanned only when their required
// literals are all in the message, with the same answers.
TEST(MatcherGate, GatedPatternsMatchExactlyAsBefore) {
  auto m = compile_text(R"(rules:
  - name: svc7
    message: {match: ['\bERROR\b.*svc7\b']}
  - name: svc8
    message: {match: ['\bERROR\b.*svc8\b']}
  - name: caseless
    message: {match: [{regex: 'refund.*FAILED', case_insensitive: true}]}
  - name: plain
    message: {match: ['\bWARN\b']}
)");
  Matcher::Scratch s(*m);
  EXPECT_EQ(matched(*m, s, make_event("12:00 ERROR call to svc7 failed")), Names{"svc7"});
  EXPECT_EQ(matched(*m, s, make_event("ERROR svc8 and svc7")), (Names{"svc7", "svc8"}));
  EXPECT_EQ(matched(*m, s, make_event("ERROR svc77 timed out")), Names{}) << "\\b after svc7";
  EXPECT_EQ(matched(*m, s, make_event("svc7 then ERROR")), Names{}) << "order matters";
  EXPECT_EQ(matched(*m, s, make_event("ERROR in\nsvc7")), Names{}) << ". stops at a line end";
  EXPECT_EQ(matched(*m, s, make_event("Refund of P1 failed")), Names{"caseless"});
  EXPECT_EQ(matched(*m, s, make_event("WARN slow")), Names{"plain"});
  const uint64_t gated_before = s.gated_scans();
  EXPECT_EQ(matched(*m, s, make_event("ERROR with no service named")), Names{});
  EXPECT_EQ(matched(*m, s, make_event("INFO all good")), Names{});
  EXPECT_EQ(s.gated_scans(), gated_before) << "no gated pattern could match: not scanned";
  EXPECT_EQ(matched(*m, s, make_event("ERROR svc7")), Names{"svc7"});
  EXPECT_EQ(s.gated_scans(), gated_before + 1);
}

TEST(MatcherGate, SameAnswersAsEachPatternScannedAlone) {
  const char* words[] = {"ERROR", "svc1", "svc2", "svc12", "code=E7", "timeout", "pay",
                         "\n",    "x",    "-",    " ",     "FAILED",  "failed"};
  const char* shapes[] = {R"(\bERROR\b.*svc%\b)",
                          "timeout.*svc%",
                          "svc%[^;]*FAILED",
                          R"(code=E%\S*\s)",
                          "pay(ment)?.+svc%",
                          R"(\bERROR\b)",
                          "svc%",
                          "(?:ERROR|pay).*x%"};
  std::mt19937 rng(5);
  RuleSet set;
  std::vector<Pattern> patterns;
  for (int i = 0; i < 120; ++i) {
    std::string shape = shapes[rng() % std::size(shapes)];
    if (size_t at = shape.find('%'); at != std::string::npos)
      shape.replace(at, 1, std::to_string(rng() % 14));
    Rule r;
    r.name = "r" + std::to_string(i);
    r.match.push_back(Pattern{shape, false, rng() % 4 == 0, 1, 1});
    patterns.push_back(r.match.back());
    set.rules.push_back(std::move(r));
  }
  auto m = Matcher::compile(set);
  Matcher::Scratch s(*m);
  // The reference: each pattern in a database of its own, with the matcher's flags.
  std::vector<hs_database_t*> alone;
  hs_scratch_t* hs = nullptr;
  for (const Pattern& p : patterns) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    unsigned flags =
        HS_FLAG_SINGLEMATCH | HS_FLAG_MULTILINE | (p.case_insensitive ? HS_FLAG_CASELESS : 0u);
    ASSERT_EQ(hs_compile(p.expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error),
              HS_SUCCESS)
        << p.expression;
    ASSERT_EQ(hs_alloc_scratch(db, &hs), HS_SUCCESS);
    alone.push_back(db);
  }
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    *static_cast<bool*>(ctx) = true;
    return 1;
  };
  int matches = 0;
  for (int n = 0; n < 4000; ++n) {
    std::string message;
    for (int w = static_cast<int>(rng() % 8); w >= 0; --w)
      message += words[rng() % std::size(words)];
    std::vector<std::string> want;
    for (size_t i = 0; i < alone.size(); ++i) {
      bool hit = false;
      hs_scan(alone[i], message.data(), static_cast<unsigned>(message.size()), 0, hs, on_match,
              &hit);
      if (hit) want.push_back(set.rules[i].name);
    }
    matches += static_cast<int>(want.size());
    Event e = make_event(message);
    ASSERT_EQ(matched(*m, s, e), want) << "message: " << message;
  }
  EXPECT_GT(matches, 2000);
  EXPECT_GT(s.gated_scans(), 100u);
  EXPECT_LT(s.gated_scans(), 4000u) << "the gate kept some messages from the gated scan";
  hs_free_scratch(hs);
  for (hs_database_t* db : alone) hs_free_database(db);
}

}  // namespace
}  // namespace klaxon
