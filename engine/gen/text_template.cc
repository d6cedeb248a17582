#include "gen/text_template.h"

#include <array>

namespace klaxon::gen {
namespace {

constexpr std::string_view kVarNames[kVarCount] = {
    "order", "merchant", "user", "amount", "channel", "cost", "slow", "trade", "attempt", "hex",
};

int var_named(std::string_view name) {
  for (int i = 0; i < kVarCount; ++i)
    if (kVarNames[i] == name) return i;
  return -1;
}

constexpr std::array<bool, 256> make_escape_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kNeedsEscape = make_escape_table();

}  // namespace

TextTemplate::TextTemplate(std::string text) : text_(std::move(text)) {
  size_t literal_start = 0;
  auto flush = [&](size_t end) {
    if (end > literal_start) {
      pieces_.push_back(
          {static_cast<uint32_t>(literal_start), static_cast<uint32_t>(end - literal_start), -1});
      literal_size_ += end - literal_start;
    }
  };
  size_t i = 0;
  while (i < text_.size()) {
    if (text_[i] == '{') {
      size_t close = text_.find('}', i + 1);
      if (close != std::string::npos) {
        int var = var_named(std::string_view(text_).substr(i + 1, close - i - 1));
        if (var >= 0) {
          flush(i);
          pieces_.push_back({0, 0, var});
          i = close + 1;
          literal_start = i;
          continue;
        }
      }
    }
    ++i;
  }
  flush(text_.size());
}

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!kNeedsEscape[c]) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace klaxon::gen
