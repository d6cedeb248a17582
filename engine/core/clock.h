// Clock: the engine's two clocks, handed in so that a driver can move time by hand. The
// wall clock (Unix milliseconds) judges event times (how far behind, how far ahead) and
// stamps the outbox; the steady clock paces the loop (idle time steps, commit intervals,
// how long a partition's stream time has not moved).
// Thread: any; SystemClock has no state.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/time.h"

namespace klaxon {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t wall_ms() const = 0;
  virtual std::chrono::steady_clock::time_point steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t wall_ms() const override { return now_ms(); }
  std::chrono::steady_clock::time_point steady() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace klaxon
