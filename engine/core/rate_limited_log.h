// LogRateLimiter: lets one log line through per interval and counts the ones it held back,
// so a flood of bad input costs one line per interval ("... and 9,341 more since").
// Not thread-safe: one per thread or per call site.
#pragma once

#include <chrono>
#include <cstdint>

namespace klaxon {

class LogRateLimiter {
 public:
  explicit LogRateLimiter(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  // True when a line may be written at `now_ms`; then `held_back` is the number of calls
  // refused since the previous line.
  bool allow(int64_t now_ms, uint64_t& held_back);

 private:
  int64_t interval_ms_;
  int64_t last_ms_ = INT64_MIN;
  uint64_t held_back_ = 0;
};

}  // namespace klaxon
