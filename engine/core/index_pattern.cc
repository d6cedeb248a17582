#include "core/index_pattern.h"

#include <cctype>
#include <ctime>

namespace klaxon {

namespace {

// Characters Elasticsearch refuses in index names (plus ':' which it deprecated).
bool forbidden(char c) {
  switch (c) {
    case '\\':
    case '/':
    case '*':
    case '?':
    case '"':
    case '<':
    case '>':
    case '|':
    case ',':
    case '#':
    case ' ':
    case ':':
    case '\t':
    case '\n':
    case '\r':
      return true;
    default:
      return false;
  }
}

// A field value as an index name part; long values are cut so the name stays under
// Elasticsearch's 255-byte limit.
void append_field_value(std::string_view value, std::string& out) {
  constexpr size_t kMaxFieldBytes = 100;
  if (value.size() > kMaxFieldBytes) value = value.substr(0, kMaxFieldBytes);
  for (char c : value) {
    if (forbidden(c) || static_cast<unsigned char>(c) < 0x20) c = '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
}

void append_number(int value, int width, std::string& out) {
  char buf[8];
  int n = std::snprintf(buf, sizeof buf, "%0*d", width, value);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

std::optional<IndexPattern> IndexPattern::parse(std::string_view pattern, std::string& error) {
  IndexPattern p;
  if (pattern.empty()) {
    error = "must not be empty";
    return std::nullopt;
  }
  if (pattern[0] == '-' || pattern[0] == '_' || pattern[0] == '+') {
    error = "must not start with '-', '_' or '+' (Elasticsearch refuses such index names)";
    return std::nullopt;
  }
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) p.parts_.push_back({Kind::literal, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '%') {
      if (forbidden(c) || std::isupper(static_cast<unsigned char>(c))) {
        error = std::string("'") + c +
                "' is not allowed in an index name (lowercase, none of \\/*?\"<>|,#: or space)";
        return std::nullopt;
      }
      literal += c;
      continue;
    }
    if (i + 1 >= pattern.size()) {
      error = "ends with a lone '%' (write %% for a percent sign)";
      return std::nullopt;
    }
    char d = pattern[++i];
    if (d == '%') {
      literal += '%';
      continue;
    }
    flush();
    if (d == '{') {
      size_t close = pattern.find('}', i);
      if (close == std::string_view::npos || close == i + 1) {
        error = "%{ must name a field and end with }";
        return std::nullopt;
      }
      p.parts_.push_back({Kind::field, std::string(pattern.substr(i + 1, close - i - 1))});
      i = close;
    } else if (d == 'Y') {
      p.parts_.push_back({Kind::year, {}});
    } else if (d == 'm') {
      p.parts_.push_back({Kind::month, {}});
    } else if (d == 'd') {
      p.parts_.push_back({Kind::day, {}});
    } else if (d == 'H') {
      p.parts_.push_back({Kind::hour, {}});
    } else {
      error = std::string("%") + d + " is not supported (use %{field}, %Y, %m, %d, %H or %%)";
      return std::nullopt;
    }
  }
  flush();
  return p;
}

void IndexPattern::render(const FieldLookup& field, int64_t time_ms, std::string& out) const {
  std::tm tm{};
  bool have_tm = false;
  auto calendar = [&]() -> const std::tm& {
    if (!have_tm) {
      std::time_t seconds =
          static_cast<std::time_t>(time_ms >= 0 ? time_ms / 1000 : (time_ms - 999) / 1000);
      gmtime_r(&seconds, &tm);
      have_tm = true;
    }
    return tm;
  };
  for (const Part& part : parts_) {
    switch (part.kind) {
      case Kind::literal:
        out += part.text;
        break;
      case Kind::field: {
        std::string_view value;
        if (field && field(part.text, value) && !value.empty())
          append_field_value(value, out);
        else
          out += "unknown";
        break;
      }
      case Kind::year:
        append_number(calendar().tm_year + 1900, 4, out);
        break;
      case Kind::month:
        append_number(calendar().tm_mon + 1, 2, out);
        break;
      case Kind::day:
        append_number(calendar().tm_mday, 2, out);
        break;
      case Kind::hour:
        append_number(calendar().tm_hour, 2, out);
        break;
    }
  }
}

std::vector<std::string> IndexPattern::fields() const {
  std::vector<std::string> names;
  for (const Part& part : parts_)
    if (part.kind == Kind::field) names.push_back(part.text);
  return names;
}

}  // namespace klaxon
