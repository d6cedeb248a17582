#include "match/required_literals.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

namespace klaxon {
namespace {

using Texts = std::vector<std::string>;

Texts literals_of(std::string_view regex) { return required_literals(regex).literals; }

TEST(RequiredLiterals, TheShippedShapes) {
  RequiredLiterals r = required_literals(R"(\bERROR\b.*svc7\b)");
  EXPECT_EQ(r.literals, (Texts{"ERROR", "svc7"}));
  EXPECT_TRUE(r.wide_repeat);
  r = required_literals("timeout after [0-9]+ms calling ch1");
  EXPECT_EQ(r.literals, (Texts{"timeout after ", "ms calling ch1"}));
  EXPECT_FALSE(r.wide_repeat) << "a digit class repeated is cheap for Hyperscan";
  r = required_literals("code=E3[A-Z_]*");
  EXPECT_EQ(r.literals, (Texts{"code=E3"}));
  EXPECT_FALSE(r.wide_repeat);
  r = required_literals(R"(\bERROR\b)");
  EXPECT_EQ(r.literals, (Texts{"ERROR"}));
  EXPECT_FALSE(r.wide_repeat);
}

TEST(RequiredLiterals, OptionalCharactersAndGroupsAreNotRequired) {
  EXPECT_EQ(literals_of("colou?r"), (Texts{"colo", "r"}));
  EXPECT_EQ(literals_of("ab*c"), (Texts{"a", "c"}));
  EXPECT_EQ(literals_of("ab+c"), (Texts{"ab", "c"}));
  EXPECT_EQ(literals_of("ab{0,3}c"), (Texts{"a", "c"}));
  EXPECT_EQ(literals_of("ab{2}c"), (Texts{"ab", "c"}));
  EXPECT_EQ(literals_of("ab??c"), (Texts{"a", "c"}));
  EXPECT_EQ(literals_of("pay(ment)?-failed"), (Texts{"pay", "-failed"}));
  EXPECT_EQ(literals_of("x(?:a|b)*y"), (Texts{"x", "y"}));
  EXPECT_EQ(literals_of("a[^]x]+b"), (Texts{"a", "b"}));
  EXPECT_EQ(literals_of(R"(a[[:alpha:]\]]c)"), (Texts{"a", "c"}));
  EXPECT_EQ(literals_of(R"(com\.pay\.\w+Exception)"), (Texts{"com.pay.", "Exception"}));
  EXPECT_EQ(literals_of(R"(^ERROR$)"), (Texts{"ERROR"}));
}

TEST(RequiredLiterals, WideRepeats) {
  for (const char* wide : {"a.*b", "a.+b", "a.{2,}b", "a[^;]*b", R"(a\S+b)", "a(.*)b", "a.{1,9}b"})
    EXPECT_TRUE(required_literals(wide).wide_repeat) << wide;
  for (const char* narrow : {"a[0-9]+b", R"(a\d*b)", "a.b", "a.{3}b", "a[xy]*b", R"(a\s+b)"})
    EXPECT_FALSE(required_literals(narrow).wide_repeat) << narrow;
}

TEST(RequiredLiterals, SyntaxNotFollowedGivesNothing) {
  for (const char* regex :
       {"ERROR|WARN.*x",  // alternation: neither side is required
        "(?i)error.*x",   // inline options change what the literal matches
        "(?=a)b.*c", R"(\x41BC.*d)", R"(\QERROR\E.*x)", R"((a)\1.*b)", R"(\p{L}.*x)", "a{,3}.*b",
        "a{x}.*b", "[abc.*d", "(ab.*c", "ab)c.*d", "caf\xc3\xa9.*x", R"(a\)"})
    EXPECT_TRUE(literals_of(regex).empty()) << regex;
}

// Soundness against Hyperscan itself: for random regexes over a small alphabet and random
// texts, whenever Hyperscan finds a match, the text contains every required literal.
struct Fuzz {
  std::mt19937 rng{20261205};
  std::string atom() {
    static const std::vector<std::string> atoms = {
        "a",   "b",   "c",   "ab",     "\\.",         ".",      "[ab]", "[^a]",
        "\\w", "\\s", "\\b", "(a|bc)", "(?:ab|c)",    "(a.*b)", "^",    "$",
        "\\d", " ",   "\\S", "[^ab]",  "(?:a(b|c)*)", "\\-",    "[.]",  "\\B"};
    return atoms[rng() % atoms.size()];
  }
  std::string quantifier() {
    static const std::vector<std::string> q = {"",      "",     "",   "?",  "*",   "+",     "{2}",
                                               "{0,2}", "{1,}", "*?", "+?", "{0}", "{1,3}", "??"};
    return q[rng() % q.size()];
  }
  std::string regex() {
    std::string out;
    const int n = 1 + static_cast<int>(rng() % 7);
    for (int i = 0; i < n; ++i) out += atom() + quantifier();
    return out;
  }
  std::string text() {
    static const char chars[] = "abcAB. \n1_-";
    std::string out;
    const size_t n = rng() % 14;
    for (size_t i = 0; i < n; ++i) out += chars[rng() % (sizeof(chars) - 1)];
    return out;
  }
};

bool contains(std::string text, std::string literal, bool caseless) {
  if (caseless) {
    auto lower = [](std::string& s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    lower(text);
    lower(literal);
  }
  return text.find(literal) != std::string::npos;
}

TEST(RequiredLiterals, EveryHyperscanMatchContainsThem) {
  Fuzz fuzz;
  int checked_matches = 0, regexes_with_literals = 0;
  for (int r = 0; r < 3000; ++r) {
    const std::string regex = fuzz.regex();
    const RequiredLiterals required = required_literals(regex);
    if (required.literals.empty()) continue;
    ++regexes_with_literals;
    for (bool caseless : {false, true}) {
      hs_database_t* db = nullptr;
      hs_compile_error_t* error = nullptr;
      unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_MULTILINE | (caseless ? HS_FLAG_CASELESS : 0);
      if (hs_compile(regex.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
        hs_free_compile_error(error);  // e.g. a pattern that matches only the empty text
        continue;
      }
      hs_scratch_t* scratch = nullptr;
      ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
      for (int t = 0; t < 40; ++t) {
        const std::string text = fuzz.text();
        bool hit = false;
        hs_scan(
            db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
            [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
              *static_cast<bool*>(ctx) = true;
              return 1;
            },
            &hit);
        if (!hit) continue;
        ++checked_matches;
        for (const std::string& literal : required.literals)
          ASSERT_TRUE(contains(text, literal, caseless))
              << "regex " << regex << " matches '" << text << "' without '" << literal << "'";
      }
      hs_free_scratch(scratch);
      hs_free_database(db);
    }
  }
  EXPECT_GT(regexes_with_literals, 1000);
  EXPECT_GT(checked_matches, 2000) << "the fuzz must produce matches to check anything";
}

}  // namespace
}  // namespace klaxon
