#include "core/log_time.h"

#include <algorithm>
#include <array>

#include "core/time.h"

namespace klaxon {

namespace {

constexpr size_t kSearchBytes = 96;

bool digits_at(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool valid(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

bool digit(char c) { return c >= '0' && c <= '9'; }
bool letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A number must not continue a longer one ("12015-07-29" is not a date).
bool starts_number(std::string_view s, size_t pos) { return pos == 0 || !digit(s[pos - 1]); }

// "yyyy-mm-dd hh:mm:ss[.fff][zone]": the ISO forms parse_timestamp_ms knows.
std::optional<int64_t> iso_at(std::string_view s, size_t pos) {
  int y, m, d;
  if (!digits_at(s, pos, 4, y) || pos + 10 > s.size() || s[pos + 4] != '-' ||
      !digits_at(s, pos + 5, 2, m) || s[pos + 7] != '-' || !digits_at(s, pos + 8, 2, d))
    return std::nullopt;
  // The longest candidate: date, time, up to 9 fraction digits, a zone.
  size_t end = pos + 19;
  if (end > s.size()) return std::nullopt;
  if (end < s.size() && (s[end] == '.' || s[end] == ',')) {
    ++end;
    while (end < s.size() && digit(s[end])) ++end;
  }
  if (end < s.size() && (s[end] == 'Z' || s[end] == 'z')) {
    ++end;
  } else if (end + 5 < s.size() + 1 && end < s.size() && (s[end] == '+' || s[end] == '-')) {
    size_t z = end + 1;
    int hh, mm;
    if (digits_at(s, z, 2, hh) && z + 2 < s.size() && s[z + 2] == ':' && digits_at(s, z + 3, 2, mm))
      end = z + 5;
    else if (digits_at(s, z, 2, hh) && digits_at(s, z + 2, 2, mm))
      end = z + 4;
  }
  return parse_timestamp_ms(s.substr(pos, end - pos));
}

// "yyyy/mm/dd hh:mm:ss" or "yy/mm/dd hh:mm:ss".
std::optional<int64_t> slashed_at(std::string_view s, size_t pos) {
  int y, m, d, hh, mi, ss;
  size_t p = pos;
  size_t year_digits = digits_at(s, p, 4, y) && p + 4 < s.size() && s[p + 4] == '/' ? 4 : 2;
  if (year_digits == 2 && !digits_at(s, p, 2, y)) return std::nullopt;
  p += year_digits;
  if (p + 15 > s.size() || s[p] != '/' || !digits_at(s, p + 1, 2, m) || s[p + 3] != '/' ||
      !digits_at(s, p + 4, 2, d) || s[p + 6] != ' ' || !digits_at(s, p + 7, 2, hh) ||
      s[p + 9] != ':' || !digits_at(s, p + 10, 2, mi) || s[p + 12] != ':' ||
      !digits_at(s, p + 13, 2, ss))
    return std::nullopt;
  if (year_digits == 2) y += 2000;
  if (!valid(m, d, hh, mi, ss)) return std::nullopt;
  return utc_ms(y, m, d, hh, mi, ss, 0);
}

// "yymmdd hhmmss" (HDFS), only at the start of the line: elsewhere it is too ambiguous.
std::optional<int64_t> compact_at_start(std::string_view s) {
  int y, m, d, hh, mi, ss;
  if (s.size() < 13 || !digits_at(s, 0, 2, y) || !digits_at(s, 2, 2, m) || !digits_at(s, 4, 2, d) ||
      s[6] != ' ' || !digits_at(s, 7, 2, hh) || !digits_at(s, 9, 2, mi) ||
      !digits_at(s, 11, 2, ss) || (s.size() > 13 && digit(s[13])))
    return std::nullopt;
  if (!valid(m, d, hh, mi, ss)) return std::nullopt;
  return utc_ms(2000 + y, m, d, hh, mi, ss, 0);
}

// "Mmm dd hh:mm:ss yyyy" (Apache's error log; the weekday before it is skipped).
std::optional<int64_t> month_name_at(std::string_view s, size_t pos) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (pos + 20 > s.size()) return std::nullopt;
  auto it = std::find(kMonths.begin(), kMonths.end(), s.substr(pos, 3));
  if (it == kMonths.end() || s[pos + 3] != ' ') return std::nullopt;
  int m = static_cast<int>(it - kMonths.begin()) + 1, d, hh, mi, ss, y;
  size_t p = pos + 4;
  if (s[p] == ' ') ++p;  // "Dec  4"
  size_t day_digits = digit(s[p]) && p + 1 < s.size() && digit(s[p + 1]) ? 2 : 1;
  if (!digits_at(s, p, day_digits, d)) return std::nullopt;
  p += day_digits;
  if (p + 14 > s.size() || s[p] != ' ' || !digits_at(s, p + 1, 2, hh) || s[p + 3] != ':' ||
      !digits_at(s, p + 4, 2, mi) || s[p + 6] != ':' || !digits_at(s, p + 7, 2, ss) ||
      s[p + 9] != ' ' || !digits_at(s, p + 10, 4, y))
    return std::nullopt;
  if (!valid(m, d, hh, mi, ss)) return std::nullopt;
  return utc_ms(y, m, d, hh, mi, ss, 0);
}

}  // namespace

std::optional<int64_t> find_log_timestamp_ms(std::string_view line) {
  if (auto t = compact_at_start(line)) return t;
  std::string_view head = line.substr(0, std::min(line.size(), kSearchBytes));
  for (size_t i = 0; i < head.size(); ++i) {
    // Candidates may run past the head; they are read from the whole line.
    if (digit(head[i]) && starts_number(line, i)) {
      if (auto t = iso_at(line, i)) return t;
      if (auto t = slashed_at(line, i)) return t;
    } else if (head[i] >= 'A' && head[i] <= 'S' && (i == 0 || !letter(line[i - 1]))) {
      if (auto t = month_name_at(line, i)) return t;
    }
  }
  return std::nullopt;
}

}  // namespace klaxon
