// required_literals: texts that every match of a regex contains, read from its syntax.
//
// The Matcher uses them as a gate (matcher.h): Hyperscan runs a pattern like
// `\bERROR\b.*svc7\b` as an automaton over the rest of the line from each ERROR, which costs
// ~5x a literal scan, even on lines that never mention svc7. A line without one of the
// pattern's required literals cannot match it, so such patterns are scanned only when all
// their literals are present.
//
// Sound by construction, not complete: every literal returned is required; syntax the reader
// does not follow in full (alternation outside a group, inline options, back-references,
// \Q..\E, escapes with arguments, non-ASCII bytes, malformed repeats) gives no literals.
// Groups and classes are skipped as single atoms; a literal character made optional by ?, *
// or {0,...} is dropped; every other atom ends the current literal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct RequiredLiterals {
  std::vector<std::string> literals;  // each one is in every text the regex matches
  // The regex repeats, without bound or over a range, an atom that matches almost any byte
  // (`.`, a negated class, \S, \W, \D): Hyperscan then runs an automaton from where the
  // repeat may start to the end of the line, the costly shape. `[0-9]+` is not such a repeat.
  bool wide_repeat = false;
};

// `regex` in Hyperscan's syntax (without HS_FLAG_UTF8). The literals are case-sensitive
// exactly when the pattern is.
RequiredLiterals required_literals(std::string_view regex);

}  // namespace klaxon
