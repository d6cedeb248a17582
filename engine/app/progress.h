// ProgressBar: a one-line progress report on stderr for long runs (`klaxon rules test`),
// redrawn at most ten times a second, and only when stderr is a terminal (never in pipes,
// CI logs or files). With a known total it shows a bar and a percentage.
// Thread: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace klaxon {

class ProgressBar {
 public:
  // `enabled`: the caller's wish; it also needs stderr to be a terminal. `total`: of the
  // unit given to update (bytes, records), 0 when unknown.
  ProgressBar(bool enabled, uint64_t total, std::string unit);
  ~ProgressBar();

  void update(uint64_t done, uint64_t events);
  // Clears the line.
  void finish();
  bool active() const { return active_; }

 private:
  bool active_;
  uint64_t total_;
  std::string unit_;
  std::chrono::steady_clock::time_point started_, last_draw_{};
};

}  // namespace klaxon
