#include "core/backoff.h"

#include <algorithm>
#include <cstdint>

namespace klaxon {

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, int failures,
                                        double jitter) {
  int shift = std::clamp(failures - 1, 0, 20);
  int64_t base = std::min<int64_t>(max.count(), initial.count() << shift);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base) * (0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0))));
}

}  // namespace klaxon
