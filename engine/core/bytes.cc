#include "core/bytes.h"

namespace klaxon {

std::string encode_fixed64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

bool decode_fixed64(std::string_view in, uint64_t& v) {
  if (in.size() != 8) return false;
  v = 0;
  for (char c : in) v = (v << 8) | static_cast<unsigned char>(c);
  return true;
}

bool ByteReader::byte(uint8_t& v) {
  if (in_.empty()) return false;
  v = static_cast<uint8_t>(in_.front());
  in_.remove_prefix(1);
  return true;
}

bool ByteReader::varint(uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b;
    if (!byte(b)) return false;
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (shift == 63 && b > 1) return false;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

bool ByteReader::signed_varint(int64_t& v) {
  uint64_t u;
  if (!varint(u)) return false;
  v = unzigzag(u);
  return true;
}

bool ByteReader::view(std::string_view& out) {
  uint64_t n;
  if (!varint(n) || n > in_.size()) return false;
  out = in_.substr(0, static_cast<size_t>(n));
  in_.remove_prefix(static_cast<size_t>(n));
  return true;
}

bool ByteReader::bytes(std::string& out) {
  std::string_view v;
  if (!view(v)) return false;
  out.assign(v);
  return true;
}

}  // namespace klaxon
