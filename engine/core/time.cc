#include "core/time.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace klaxon {
namespace {

bool read_digits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Logstash's @timestamp form, "2026-11-24T09:30:00.123Z", read at fixed offsets: every
// event carries one, and the general parser's byte-by-byte walk showed in the profile.
// False when `s` is not exactly that form (the general parser then decides).
bool read_logstash_form(std::string_view s, int (&f)[7]) {
  if (s.size() != 24) return false;
  const char* p = s.data();
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' || p[19] != '.' ||
      p[23] != 'Z')
    return false;
  bool bad = false;
  auto digit = [&](int i) {
    unsigned d = static_cast<unsigned>(p[i] - '0');
    bad |= d > 9;  // no branch per digit
    return static_cast<int>(d);
  };
  f[0] = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  f[1] = digit(5) * 10 + digit(6);
  f[2] = digit(8) * 10 + digit(9);
  f[3] = digit(11) * 10 + digit(12);
  f[4] = digit(14) * 10 + digit(15);
  f[5] = digit(17) * 10 + digit(18);
  f[6] = digit(20) * 100 + digit(21) * 10 + digit(22);
  return !bad;
}

}  // namespace

std::optional<int64_t> parse_timestamp_ms(std::string_view s) {
  if (int f[7]; read_logstash_form(s, f)) {
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
      return std::nullopt;
    return utc_ms(f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
  }
  size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, p, 4, year) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!read_digits(s, p, 2, month) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!read_digits(s, p, 2, day)) return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
  ++p;
  if (!read_digits(s, p, 2, hour) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!read_digits(s, p, 2, minute) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!read_digits(s, p, 2, second)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  int millis = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    ++p;
    size_t digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[p] - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (p < s.size()) {
    char z = s[p];
    if (z == 'Z' || z == 'z') {
      ++p;
    } else if (z == '+' || z == '-') {
      ++p;
      int oh = 0, om = 0;
      if (!read_digits(s, p, 2, oh)) return std::nullopt;
      if (p < s.size() && s[p] == ':') ++p;
      if (!read_digits(s, p, 2, om)) return std::nullopt;
      offset_minutes = (oh * 60 + om) * (z == '+' ? 1 : -1);
    } else {
      return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

int64_t utc_ms(int year, int month, int day, int hour, int minute, int second, int millis) {
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
}

std::string format_timestamp_ms(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end == s.data() || n < 0) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(s.data() + s.size() - end));
  int64_t factor;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return std::nullopt;
  return std::chrono::milliseconds(n * factor);
}

std::string format_duration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace klaxon
