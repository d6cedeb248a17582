#include "core/text.h"

namespace klaxon {

namespace {

// 12345 -> "12,345": counts in the thousands are read at a glance.
std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string plural(uint64_t count, std::string_view singular, std::string_view plural_form) {
  std::string out = grouped(count) + " ";
  if (count == 1) return out.append(singular);
  if (!plural_form.empty()) return out.append(plural_form);
  return out.append(singular).append("s");
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {  // values are quoted in log lines: a record cannot close them
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string human_duration(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    int64_t tenths = (ms + 50) / 100;  // rounded to a tenth of a second
    if (tenths < 600 && tenths % 10 == 0) return std::to_string(tenths / 10) + "s";
    if (tenths < 600) return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  int64_t s = (ms + 500) / 1000;
  std::string out;
  const int64_t day = 86400, hour = 3600, minute = 60;
  if (s >= day) out += std::to_string(s / day) + "d", s %= day;
  if (s >= hour) out += std::to_string(s / hour) + "h", s %= hour;
  if (s >= minute) out += std::to_string(s / minute) + "m", s %= minute;
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

}  // namespace klaxon
