#include "core/rate_limited_log.h"

namespace klaxon {

bool LogRateLimiter::allow(int64_t now_ms, uint64_t& held_back) {
  if (last_ms_ != INT64_MIN && now_ms - last_ms_ < interval_ms_) {
    ++held_back_;
    return false;
  }
  last_ms_ = now_ms;
  held_back = held_back_;
  held_back_ = 0;
  return true;
}

}  // namespace klaxon
