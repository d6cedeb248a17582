// Compact binary encoding shared by the state store's values, the repartition topic's
// match records and the changelog: varints, zigzag for signed values, length-prefixed
// bytes, 8-byte big-endian integers. ByteReader never reads past its input; every read
// returns false once the input runs out or is malformed.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace klaxon {

inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline void put_signed_varint(std::string& out, int64_t v) { put_varint(out, zigzag(v)); }

inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::string encode_fixed64(uint64_t v);
bool decode_fixed64(std::string_view in, uint64_t& v);

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool byte(uint8_t& v);
  bool varint(uint64_t& v);
  bool signed_varint(int64_t& v);
  // A length-prefixed string, copied or viewed (the view points into the input).
  bool bytes(std::string& out);
  bool view(std::string_view& out);
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace klaxon
