// The traffic generator: Logstash JSON shape, determinism, ratios and stats, the ERROR word
// and exclude keywords, stack traces that group by bug across hosts, request ids.
#include "gen/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"

namespace klaxon {
namespace {

constexpr int64_t kT0 = 1795515330123;  // 2026-11-24T10:15:30.123Z

struct Parsed {
  std::string message, timestamp, version, type, host, path;
  std::vector<std::string> tags;
  size_t field_count = 0;
};

// The event as a strict JSON parser sees it; nullopt if it is not one valid JSON object with
// string fields message, @timestamp, @version, type, host, path and an array of strings tags.
std::optional<Parsed> parse(simdjson::dom::parser& parser, const std::string& payload) {
  simdjson::dom::element doc;
  if (parser.parse(payload).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  Parsed p;
  p.field_count = obj.size();
  auto str = [&](const char* key, std::string& out) {
    std::string_view v;
    if (obj[key].get_string().get(v) != simdjson::SUCCESS) return false;
    out = std::string(v);
    return true;
  };
  if (!str("message", p.message) || !str("@timestamp", p.timestamp) ||
      !str("@version", p.version) || !str("type", p.type) || !str("host", p.host) ||
      !str("path", p.path))
    return std::nullopt;
  simdjson::dom::array tags;
  if (obj["tags"].get_array().get(tags) != simdjson::SUCCESS) return std::nullopt;
  for (simdjson::dom::element t : tags) {
    std::string_view v;
    if (t.get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
    p.tags.emplace_back(v);
  }
  return p;
}

bool is_error_kind(EventKind k) {
  return k == EventKind::error || k == EventKind::error_excluded || k == EventKind::exception_stack;
}

const std::vector<std::string> kExcludeKeywords = {"HealthCheck", "ClientAbortException",
                                                   "Broken pipe", "test-merchant"};

size_t lines_of(const std::string& s) { return std::count(s.begin(), s.end(), '\n') + 1; }

TEST(Generator, EventsAreLogstashJsonWithTheStandardFields) {
  GeneratorOptions o;
  o.seed = 11;
  o.error_ratio = 0.2;
  o.invalid_ratio = 0.01;
  Generator g(o);
  simdjson::dom::parser parser;
  std::set<std::string> hosts;
  size_t invalid = 0, ordinary = 0, ordinary_bytes = 0;
  bool quote = false, backslash = false, tab = false, utf8 = false;
  for (int i = 0; i < 20000; ++i) {
    int64_t ts = kT0 + i * 7;
    GeneratedEvent e = g.next(ts);
    ASSERT_FALSE(e.payload.empty());
    ASSERT_EQ(e.payload.front(), '{');
    for (char c : e.payload)
      ASSERT_GE(static_cast<unsigned char>(c), 0x20) << "raw control character: " << e.payload;
    auto p = parse(parser, e.payload);
    if (e.kind == EventKind::invalid) {
      ++invalid;
      EXPECT_FALSE(p) << e.payload;
      EXPECT_TRUE(e.bug.empty());
      continue;
    }
    ASSERT_TRUE(p) << e.payload;
    EXPECT_EQ(p->field_count, 7u) << e.payload;
    EXPECT_EQ(p->timestamp, format_timestamp_ms(ts));
    EXPECT_EQ(p->version, "1");
    // The log line starts with the same instant, as Spring Boot prints it.
    EXPECT_EQ(p->message.substr(0, 23),
              p->timestamp.substr(0, 10) + " " + p->timestamp.substr(11, 12));
    EXPECT_TRUE(p->type == "pay-biz" || p->type == "pay-debug") << p->type;
    EXPECT_EQ(p->path, "/data/logs/pay/" + p->type + ".log");
    hosts.insert(p->host);
    if (e.kind == EventKind::exception_stack) {
      EXPECT_EQ(p->tags, std::vector<std::string>{"exception_stack"});
      EXPECT_EQ(p->type, "pay-biz");
      EXPECT_FALSE(e.bug.empty());
    } else {
      EXPECT_TRUE(p->tags.empty()) << e.payload;
      EXPECT_TRUE(e.bug.empty());
      EXPECT_EQ(lines_of(p->message), 1u) << p->message;
      EXPECT_GE(e.payload.size(), 250u) << e.payload;
      EXPECT_LE(e.payload.size(), 520u) << e.payload;
      ++ordinary;
      ordinary_bytes += e.payload.size();
    }
    if (e.kind == EventKind::pay_success || e.kind == EventKind::pay_failure) {
      EXPECT_EQ(p->type, "pay-biz");
    }
    if (e.kind == EventKind::debug) {
      EXPECT_EQ(p->type, "pay-debug");
    }
    quote |= p->message.find('"') != std::string::npos;
    backslash |= p->message.find('\\') != std::string::npos;
    tab |= e.kind != EventKind::exception_stack && p->message.find('\t') != std::string::npos;
    utf8 |= std::any_of(p->message.begin(), p->message.end(),
                        [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  }
  EXPECT_GT(invalid, 100u);
  EXPECT_LT(invalid, 320u);
  EXPECT_EQ(hosts, (std::set<std::string>{"pay-app-01", "pay-app-02", "pay-app-03", "pay-app-04",
                                          "pay-app-05", "pay-app-06"}));
  double avg = static_cast<double>(ordinary_bytes) / static_cast<double>(ordinary);
  EXPECT_GE(avg, 300);
  EXPECT_LE(avg, 400);
  // Escaping is exercised, and survives a round trip through a strict parser.
  EXPECT_TRUE(quote);
  EXPECT_TRUE(backslash);
  EXPECT_TRUE(tab);
  EXPECT_TRUE(utf8);
}

TEST(Generator, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions o;
  o.seed = 5;
  o.error_ratio = 0.3;
  o.invalid_ratio = 0.01;
  Generator a(o), b(o);
  o.seed = 6;
  Generator c(o);
  size_t same_as_other_seed = 0;
  for (int i = 0; i < 5000; ++i) {
    int64_t ts = kT0 + i * 13;
    GeneratedEvent x = a.next(ts), y = b.next(ts), z = c.next(ts);
    ASSERT_EQ(x.payload, y.payload);
    ASSERT_EQ(x.key, y.key);
    ASSERT_EQ(x.kind, y.kind);
    ASSERT_EQ(x.bug, y.bug);
    if (x.payload == z.payload) ++same_as_other_seed;
  }
  EXPECT_EQ(a.stats().to_json(), b.stats().to_json());
  EXPECT_NE(a.stats().to_json(), c.stats().to_json());
  EXPECT_EQ(same_as_other_seed, 0u);

  // Timestamps only change the time fields: same seed, other clock, same keys and kinds.
  Generator d(GeneratorOptions{}), e(GeneratorOptions{});
  for (int i = 0; i < 1000; ++i) {
    GeneratedEvent x = d.next(kT0 + i), y = e.next(kT0 + 86'400'000 + i);
    ASSERT_EQ(x.key, y.key);
    ASSERT_EQ(x.kind, y.kind);
    ASSERT_NE(x.payload, y.payload);
  }
}

TEST(Generator, RatiosAreHonouredAndStatsMatchWhatWasEmitted) {
  GeneratorOptions o;
  o.seed = 99;
  o.error_ratio = 0.1;
  o.stack_ratio = 0.4;
  o.exclude_ratio = 0.2;
  o.debug_ratio = 0.3;
  o.invalid_ratio = 0.02;
  Generator g(o);
  const int n = 100000;
  std::map<EventKind, uint64_t> kinds;
  std::map<std::string, uint64_t> bugs;
  for (int i = 0; i < n; ++i) {
    GeneratedEvent e = g.next(kT0 + i);
    ++kinds[e.kind];
    if (e.kind == EventKind::exception_stack) ++bugs[e.bug];
  }
  auto share = [](uint64_t part, uint64_t whole) {
    return static_cast<double>(part) / static_cast<double>(whole);
  };
  uint64_t valid = n - kinds[EventKind::invalid];
  uint64_t errors = kinds[EventKind::error] + kinds[EventKind::error_excluded] +
                    kinds[EventKind::exception_stack];
  uint64_t plain_errors = kinds[EventKind::error] + kinds[EventKind::error_excluded];
  EXPECT_NEAR(share(kinds[EventKind::invalid], n), 0.02, 0.003);
  EXPECT_NEAR(share(errors, valid), 0.1, 0.006);
  EXPECT_NEAR(share(kinds[EventKind::exception_stack], errors), 0.4, 0.03);
  EXPECT_NEAR(share(kinds[EventKind::error_excluded], plain_errors), 0.2, 0.03);
  EXPECT_NEAR(share(kinds[EventKind::debug], valid - errors), 0.3, 0.01);
  EXPECT_GT(kinds[EventKind::pay_failure], 0u);
  EXPECT_GT(kinds[EventKind::pay_success], kinds[EventKind::pay_failure]);

  const GeneratorStats& s = g.stats();
  EXPECT_EQ(s.total, static_cast<uint64_t>(n));
  EXPECT_EQ(s.by_kind, kinds);
  EXPECT_EQ(s.stack_by_bug, bugs);

  // to_json() carries the same numbers.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string json = s.to_json();
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(uint64_t(doc["total"]), static_cast<uint64_t>(n));
  for (auto [k, count] : kinds)
    EXPECT_EQ(uint64_t(doc["by_kind"][std::string(to_string(k))]), count) << to_string(k);
  simdjson::dom::object by_bug = doc["stack_by_bug"];
  EXPECT_EQ(by_bug.size(), bugs.size());
  for (auto [bug, count] : bugs) EXPECT_EQ(uint64_t(by_bug[bug]), count) << bug;
}

TEST(Generator, RatioExtremes) {
  GeneratorOptions quiet;
  quiet.error_ratio = 0;
  Generator q(quiet);
  for (int i = 0; i < 5000; ++i) {
    EventKind k = q.next(kT0 + i).kind;
    ASSERT_FALSE(is_error_kind(k));
    ASSERT_NE(k, EventKind::invalid);  // invalid_ratio defaults to 0
  }
  GeneratorOptions loud;
  loud.error_ratio = 1;
  loud.stack_ratio = 1;
  loud.hosts = 1;
  Generator l(loud);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(l.next(kT0 + i).kind, EventKind::exception_stack);
}

TEST(Generator, ErrorWordOnlyInErrorKindsExcludeKeywordsOnlyInExcludedLines) {
  GeneratorOptions o;
  o.seed = 3;
  o.error_ratio = 0.3;
  o.exclude_ratio = 0.3;
  Generator g(o);
  simdjson::dom::parser parser;
  const std::regex error_word(R"(\bERROR\b)");
  const std::regex error_word_any_case(R"(\berror\b)", std::regex::icase);
  std::map<std::string, int> keyword_seen;
  std::map<EventKind, int> seen;
  for (int i = 0; i < 20000; ++i) {
    GeneratedEvent e = g.next(kT0 + i);
    auto p = parse(parser, e.payload);
    ASSERT_TRUE(p);
    ++seen[e.kind];
    const std::string& m = p->message;
    // The level is its own token after the time, padded like %5p.
    std::string level = m.substr(24, 5);
    if (is_error_kind(e.kind)) {
      EXPECT_TRUE(std::regex_search(m, error_word)) << m;
      EXPECT_EQ(level, "ERROR");
    } else {
      EXPECT_FALSE(std::regex_search(m, error_word_any_case)) << m;
      EXPECT_EQ(level, e.kind == EventKind::debug         ? "DEBUG"
                       : e.kind == EventKind::pay_failure ? " WARN"
                                                          : " INFO")
          << m;
    }
    size_t keywords = 0;
    for (const std::string& kw : kExcludeKeywords) {
      if (m.find(kw) == std::string::npos) continue;
      ++keywords;
      ++keyword_seen[kw];
    }
    EXPECT_EQ(keywords, e.kind == EventKind::error_excluded ? 1u : 0u) << m;
  }
  for (EventKind k : {EventKind::pay_success, EventKind::pay_failure, EventKind::debug,
                      EventKind::error, EventKind::error_excluded, EventKind::exception_stack})
    EXPECT_GT(seen[k], 100) << to_string(k);
  for (const std::string& kw : kExcludeKeywords) EXPECT_GT(keyword_seen[kw], 20) << kw;
}

// What a stack-trace fingerprint sees: the exception class and the top three application
// frames of the outermost exception, with or without line numbers, lambda ids and CGLIB
// suffixes.
struct TraceShape {
  std::string exception_class;
  std::vector<std::string> app_frames;  // as logged
  std::string normalised() const {
    static const std::regex location(R"(\(.*\)$)");
    static const std::regex cglib(R"(\$\$\w+BySpringCGLIB\$\$[0-9a-f]{8})");
    static const std::regex lambda(R"((lambda\$\w+)\$\d+)");
    std::string out = exception_class;
    for (const std::string& f : app_frames) {
      std::string n = std::regex_replace(f, location, "");
      n = std::regex_replace(n, cglib, "");
      n = std::regex_replace(n, lambda, "$1");
      out += " | " + n;
    }
    return out;
  }
  std::string as_logged() const {
    std::string out;
    for (const std::string& f : app_frames) out += f + "\n";
    return out;
  }
};

TraceShape shape_of(const std::string& message) {
  TraceShape s;
  size_t line_start = message.find('\n') + 1;
  size_t line_end = message.find('\n', line_start);
  std::string first = message.substr(line_start, line_end - line_start);
  s.exception_class = first.substr(0, first.find(':'));
  size_t pos = line_end;
  while (pos != std::string::npos && s.app_frames.size() < 3) {
    size_t next = message.find('\n', pos + 1);
    std::string line = message.substr(pos + 1, next == std::string::npos ? next : next - pos - 1);
    if (line.rfind("Caused by: ", 0) == 0) break;
    if (line.rfind("\tat com.pay.", 0) == 0) s.app_frames.push_back(line.substr(4));
    pos = next;
  }
  return s;
}

TEST(Generator, StackTracesAreLongVaryByHostAndGroupByBug) {
  GeneratorOptions o;
  o.seed = 21;
  o.error_ratio = 0.5;
  o.stack_ratio = 0.8;
  Generator g(o);
  simdjson::dom::parser parser;
  const std::regex java_class(R"(^([a-z0-9]+\.)+[A-Z]\w*$)");
  const std::regex bug_id(R"(^[a-z0-9]+(-[a-z0-9]+)*$)");
  std::map<std::string, std::set<std::string>> normalised_by_bug, hosts_by_bug;
  std::map<std::string, std::set<std::string>> logged_by_bug;                   // over hosts
  std::map<std::pair<std::string, std::string>, std::set<std::string>> logged;  // bug, host
  std::map<std::string, size_t> max_lines;
  std::set<std::string> lambdas, cglib_suffixes, caused_by_bugs;
  size_t stacks = 0, over_50 = 0;
  for (int i = 0; i < 12000; ++i) {
    GeneratedEvent e = g.next(kT0 + i * 50);
    if (e.kind != EventKind::exception_stack) continue;
    ++stacks;
    auto p = parse(parser, e.payload);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->tags, std::vector<std::string>{"exception_stack"});
    EXPECT_TRUE(std::regex_match(e.bug, bug_id)) << e.bug;
    EXPECT_LE(e.bug.size(), 24u);
    const std::string& m = p->message;
    size_t lines = lines_of(m);
    EXPECT_GE(lines, 15u) << e.bug;
    if (lines > 50) ++over_50;
    max_lines[e.bug] = std::max(max_lines[e.bug], lines);
    EXPECT_NE(m.find("\n\tat java.lang.Thread.run(Thread.java:750)"), std::string::npos) << m;
    if (m.find("\nCaused by: ") != std::string::npos) {
      caused_by_bugs.insert(e.bug);
      size_t more = m.rfind("\n\t... ");
      EXPECT_TRUE(more != std::string::npos && m.find(" more", more) != std::string::npos) << m;
    }

    TraceShape s = shape_of(m);
    EXPECT_TRUE(std::regex_match(s.exception_class, java_class)) << s.exception_class;
    EXPECT_FALSE(s.app_frames.empty()) << m;
    normalised_by_bug[e.bug].insert(s.normalised());
    hosts_by_bug[e.bug].insert(p->host);
    logged_by_bug[e.bug].insert(s.as_logged());
    logged[{e.bug, p->host}].insert(s.as_logged());
    // Tokens up to the '(' of the frame: "lambda$charge$3", "EnhancerBySpringCGLIB$$3f2a9c1d.x".
    for (size_t at = 0; (at = m.find("lambda$", at)) != std::string::npos; ++at)
      lambdas.insert(e.bug + " " + m.substr(at, m.find('(', at) - at));
    for (size_t at = 0; (at = m.find("EnhancerBySpringCGLIB$$", at)) != std::string::npos; ++at)
      cglib_suffixes.insert(e.bug + " " + m.substr(at, 31));
  }
  EXPECT_GT(stacks, 4000u);
  EXPECT_GT(over_50, stacks / 4);

  // Every bug of the catalogue shows up, on most hosts.
  ASSERT_EQ(g.stats().stack_by_bug.size(), Generator::bug_count());
  ASSERT_EQ(normalised_by_bug.size(), Generator::bug_count());
  EXPECT_GE(Generator::bug_count(), 8u);
  size_t long_bugs = 0, caused = 0;
  std::set<std::string> groups;
  for (const auto& [bug, shapes] : normalised_by_bug) {
    EXPECT_GE(hosts_by_bug[bug].size(), 4u) << bug;
    // One group per bug once line numbers, lambda ids and CGLIB suffixes are normalised...
    EXPECT_EQ(shapes.size(), 1u) << bug;
    groups.insert(*shapes.begin());
    // ...while the frames as logged differ between hosts, and are stable on each host.
    EXPECT_GE(logged_by_bug[bug].size(), 2u) << bug;
    for (const std::string& host : hosts_by_bug[bug])
      EXPECT_EQ((logged[{bug, host}].size()), 1u) << bug << " on " << host;
    if (max_lines[bug] > 50) ++long_bugs;
    caused += caused_by_bugs.count(bug);
  }
  EXPECT_EQ(groups.size(), Generator::bug_count()) << "two bugs share a fingerprint";
  EXPECT_GE(long_bugs, 2u);
  EXPECT_GE(caused, 2u);

  // Lambda ids and CGLIB suffixes of one bug differ between hosts.
  auto variants = [](const std::set<std::string>& tokens) {
    std::map<std::string, std::set<std::string>> per;
    for (const std::string& t : tokens) {
      std::string bug = t.substr(0, t.find(' '));
      std::string token = t.substr(t.find(' ') + 1);
      per[bug + " " + token.substr(0, token.rfind('$'))].insert(token);
    }
    size_t most = 0;
    for (const auto& [_, v] : per) most = std::max(most, v.size());
    return most;
  };
  EXPECT_GE(variants(lambdas), 2u);
  EXPECT_GE(variants(cglib_suffixes), 2u);
}

TEST(Generator, TraceLinesCutsEachTraceAsLogbacksExN) {
  GeneratorOptions o;
  o.seed = 21;
  o.error_ratio = 0.5;
  o.stack_ratio = 1.0;
  o.trace_lines = 5;
  GeneratorOptions whole = o;
  whole.trace_lines = 0;
  Generator cut(o), full(whole);
  simdjson::dom::parser parser;
  size_t stacks = 0;
  for (int i = 0; i < 2000; ++i) {
    GeneratedEvent a = cut.next(kT0 + i), b = full.next(kT0 + i);
    ASSERT_EQ(a.kind, b.kind) << "the same events, only shorter";
    auto pa = parse(parser, a.payload);
    ASSERT_TRUE(pa) << a.payload;
    if (a.kind != EventKind::exception_stack) {
      EXPECT_EQ(a.payload, b.payload);
      continue;
    }
    ++stacks;
    auto pb = parse(parser, b.payload);
    ASSERT_TRUE(pb);
    // The log line, then the exception line and four frames.
    EXPECT_EQ(lines_of(pa->message), std::min<size_t>(6, lines_of(pb->message)));
    EXPECT_TRUE(pb->message.starts_with(pa->message));
    EXPECT_EQ(pa->tags, std::vector<std::string>{"exception_stack"});
  }
  EXPECT_GT(stacks, 500u);
}

TEST(Generator, EveryMessageCarriesItsRequestIdAsKey) {
  GeneratorOptions o;
  o.seed = 8;
  o.error_ratio = 0.2;
  o.invalid_ratio = 0.01;
  Generator g(o);
  simdjson::dom::parser parser;
  const std::regex hex16("^[0-9a-f]{16}$");
  const std::regex order_id(R"(orderId=P\d{18}\b)");
  std::set<std::string> keys;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    GeneratedEvent e = g.next(kT0 + i);
    ASSERT_TRUE(std::regex_match(e.key, hex16)) << e.key;
    keys.insert(e.key);
    if (e.kind == EventKind::invalid) continue;
    auto p = parse(parser, e.payload);
    ASSERT_TRUE(p);
    const std::string& m = p->message;
    size_t at = m.find("reqId=");
    ASSERT_NE(at, std::string::npos) << m;
    EXPECT_EQ(m.substr(at - 1, 24), "[reqId=" + e.key + "]") << m;
    EXPECT_LT(at, m.find('\n')) << "request id on the log line";
    if (e.kind == EventKind::pay_success || e.kind == EventKind::pay_failure ||
        e.kind == EventKind::exception_stack) {
      EXPECT_TRUE(std::regex_search(m.substr(0, m.find('\n')), order_id)) << m;
    }
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(n));
}

TEST(Generator, KindNames) {
  std::set<std::string_view> names;
  for (EventKind k :
       {EventKind::pay_success, EventKind::pay_failure, EventKind::debug, EventKind::error,
        EventKind::error_excluded, EventKind::exception_stack, EventKind::invalid})
    names.insert(to_string(k));
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(to_string(EventKind::exception_stack), "exception_stack");
}

}  // namespace
}  // namespace klaxon
