// TextTemplate: text with {name} variables, compiled once and rendered many times by the
// Generator. Only the names of Var are variables; any other brace is text, so JSON bodies
// inside log lines stay literal. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon::gen {

// Per-event values a template may reference, e.g. "orderId={order}".
enum class Var : int8_t {
  order,     // P + yyyyMMddHHmmss of the event + 4-digit sequence
  merchant,  // M + 6 digits
  user,      // U + 8 digits
  amount,    // 0.01 .. 4999.99
  channel,   // alipay | wechat | unionpay
  cost,      // 12 .. 411 (ms of an ordinary call)
  slow,      // 3001 .. 3099 (ms of a timed-out call)
  trade,     // 28-digit channel trade number
  attempt,   // 1 .. 5
  hex,       // 8 lowercase hex digits
  count,     // number of distinct variables
};
inline constexpr int kVarCount = static_cast<int>(Var::count);

class TextTemplate {
 public:
  struct Piece {
    uint32_t offset;  // into text(); literal pieces only
    uint32_t length;
    int var;  // -1: literal text; otherwise a Var
  };

  TextTemplate() = default;
  explicit TextTemplate(std::string text);

  const std::string& text() const { return text_; }
  const std::vector<Piece>& pieces() const { return pieces_; }
  std::string_view literal(const Piece& p) const { return {text_.data() + p.offset, p.length}; }
  size_t literal_size() const { return literal_size_; }

 private:
  std::string text_;
  std::vector<Piece> pieces_;
  size_t literal_size_ = 0;
};

// Appends `s` to `out` as the body of a JSON string (no quotes): escapes '"', '\\' and
// control characters; copies runs of plain bytes at once. `s` must be valid UTF-8.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace klaxon::gen
