// Stable 64-bit hashing for keys that are persisted (state keys, alert ids, fingerprints).
// FNV-1a: the value must never change between releases, since it names stored state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace klaxon {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

constexpr uint64_t fnv1a64(std::string_view s, uint64_t h = kFnvOffset) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// 16 lowercase hex digits.
std::string hex64(uint64_t v);

}  // namespace klaxon
