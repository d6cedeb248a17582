#include "match/required_literals.h"

#include <cctype>
#include <cstddef>
#include <optional>
#include <string_view>

namespace klaxon {
namespace {

bool is_ascii_alnum(unsigned char c) { return c < 0x80 && std::isalnum(c) != 0; }

// Escapes of one character that match one character or nothing (\b): an atom, not a literal.
bool is_class_escape(char c) {
  return c != '\0' && std::string_view("bBdDwWsShHvVnrtfea").find(c) != std::string_view::npos;
}

class Reader {
 public:
  explicit Reader(std::string_view re) : re_(re) {}

  std::optional<RequiredLiterals> read() {
    while (at_ < re_.size()) {
      const unsigned char c = static_cast<unsigned char>(re_[at_]);
      if (c >= 0x80) return std::nullopt;
      switch (c) {
        case '\\': {
          if (at_ + 1 >= re_.size()) return std::nullopt;
          const unsigned char e = static_cast<unsigned char>(re_[at_ + 1]);
          at_ += 2;
          if (e >= 0x20 && e < 0x7f && !is_ascii_alnum(e)) {
            literal(static_cast<char>(e));
          } else if (is_class_escape(static_cast<char>(e))) {
            atom(e == 'S' || e == 'W' || e == 'D');
          } else {
            return std::nullopt;  // \x41, \1, \p{..}, \Q, \A ...: not followed here
          }
          break;
        }
        case '[': {
          const bool negated = at_ + 1 < re_.size() && re_[at_ + 1] == '^';
          if (!skip_class()) return std::nullopt;
          atom(negated);
          break;
        }
        case '(':
          if (!skip_group()) return std::nullopt;
          atom(false);
          break;
        case ')':
        case '|':  // alternation outside a group: no literal is required by both sides
          return std::nullopt;
        case '.':
        case '^':
        case '$':
          ++at_;
          atom(c == '.');
          break;
        case '*':
        case '?':
          ++at_;
          if (c == '*') repeated();
          optional_previous();
          skip_quantifier_mode();
          break;
        case '+':
          ++at_;
          repeated();
          end_run();  // the character stays required once; what follows is a new literal
          skip_quantifier_mode();
          break;
        case '{': {
          bool ranged = false;
          std::optional<unsigned> min = read_braces(ranged);
          if (!min) return std::nullopt;
          if (ranged) repeated();
          if (*min == 0) {
            optional_previous();
          } else {
            end_run();
          }
          skip_quantifier_mode();
          break;
        }
        default:
          ++at_;
          literal(static_cast<char>(c));
      }
    }
    end_run();
    return out_;
  }

 private:
  void literal(char c) {
    run_.push_back(c);
    last_was_literal_ = true;
    last_was_wide_ = false;
  }
  // `wide`: the atom matches almost any byte.
  void atom(bool wide) {
    end_run();
    last_was_literal_ = false;
    last_was_wide_ = wide;
  }
  void repeated() { out_.wide_repeat = out_.wide_repeat || last_was_wide_; }
  void end_run() {
    if (!run_.empty()) out_.literals.push_back(run_);
    run_.clear();
  }
  // A quantifier that allows zero: the character before it is not required.
  void optional_previous() {
    if (last_was_literal_ && !run_.empty()) run_.pop_back();
    end_run();
    last_was_literal_ = false;
  }
  void skip_quantifier_mode() {  // lazy (?) or possessive (+)
    if (at_ < re_.size() && (re_[at_] == '?' || re_[at_] == '+')) ++at_;
    last_was_literal_ = false;
    last_was_wide_ = false;
  }

  // {n}, {n,} or {n,m}: returns n (`ranged` unless {n} or {n,n}); anything else is not
  // followed.
  std::optional<unsigned> read_braces(bool& ranged) {
    size_t i = at_ + 1;
    auto number = [&](unsigned& n) {
      size_t start = i;
      n = 0;
      while (i < re_.size() && re_[i] >= '0' && re_[i] <= '9' && i - start < 6)
        n = n * 10 + static_cast<unsigned>(re_[i++] - '0');
      return i > start;
    };
    unsigned min = 0, max = 0;
    if (!number(min)) return std::nullopt;
    bool bounded = true;
    if (i < re_.size() && re_[i] == ',') {
      ++i;
      bounded = number(max);
    } else {
      max = min;
    }
    if (i >= re_.size() || re_[i] != '}') return std::nullopt;
    at_ = i + 1;
    ranged = !bounded || max > min;
    return min;
  }

  // [...] from its '['; false when unterminated.
  bool skip_class() {
    size_t i = at_ + 1;
    if (i < re_.size() && re_[i] == '^') ++i;
    if (i < re_.size() && re_[i] == ']') ++i;  // a leading ] is a member
    while (i < re_.size()) {
      const char c = re_[i];
      if (c == '\\') {
        i += 2;
      } else if (c == '[' && i + 1 < re_.size() &&
                 (re_[i + 1] == ':' || re_[i + 1] == '.' || re_[i + 1] == '=')) {
        const char kind = re_[i + 1];
        size_t close = re_.find(std::string{kind, ']'}, i + 2);
        if (close == std::string_view::npos) return false;
        i = close + 2;
      } else if (c == ']') {
        at_ = i + 1;
        return true;
      } else {
        ++i;
      }
    }
    return false;
  }

  // (...) from its '(', nested groups and classes included; only plain and (?: groups.
  bool skip_group() {
    if (at_ + 1 < re_.size() && re_[at_ + 1] == '?' &&
        !(at_ + 2 < re_.size() && re_[at_ + 2] == ':'))
      return false;  // lookaround, inline options, named groups ...
    int depth = 0;
    while (at_ < re_.size()) {
      const char c = re_[at_];
      if (c == '\\') {
        at_ += 2;
      } else if (c == '[') {
        if (!skip_class()) return false;
      } else {
        if (c == '(') {
          if (at_ + 1 < re_.size() && re_[at_ + 1] == '?' &&
              !(at_ + 2 < re_.size() && re_[at_ + 2] == ':'))
            return false;
          ++depth;
        } else if (c == ')' && --depth == 0) {
          ++at_;
          return true;
        } else if (c == '.' && at_ + 1 < re_.size() &&
                   (re_[at_ + 1] == '*' || re_[at_ + 1] == '+' || re_[at_ + 1] == '{')) {
          out_.wide_repeat = true;  // .* inside the group (other wide repeats there are missed)
        }
        ++at_;
      }
    }
    return false;
  }

  std::string_view re_;
  size_t at_ = 0;
  std::string run_;
  bool last_was_literal_ = false;
  bool last_was_wide_ = false;
  RequiredLiterals out_;
};

}  // namespace

RequiredLiterals required_literals(std::string_view regex) {
  std::optional<RequiredLiterals> read = Reader(regex).read();
  return read ? std::move(*read) : RequiredLiterals{};
}

}  // namespace klaxon
