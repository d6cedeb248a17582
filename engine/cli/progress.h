// ProgressBar: a one-line progress report on stderr for long runs (`klaxon rules test`),
// redrawn at most ten times a second, and only when stderr is a terminal (never in pipes,
// CI logs or files). With a known total it shows a bar and a percentage; without one (a
// pipe) how much was read.
// Whoever prints to the same terminal (alerts on stdout) calls clear() first, so no line is
// written onto the bar; the next update draws it again below.
// Thread: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace klaxon {

class ProgressBar {
 public:
  enum class Unit { bytes, records };
  // `enabled`: the caller's wish; it also needs stderr to be a terminal.
  ProgressBar(bool enabled, Unit unit);
  ~ProgressBar();

  // `total`: of the unit, 0 when unknown.
  void set_total(uint64_t total) { total_ = total; }
  void update(uint64_t done, uint64_t events);
  // Erases the bar (when drawn) so the terminal's next line starts clean.
  void clear();
  // Erases it for good.
  void finish();
  bool active() const { return active_; }

 private:
  bool active_;
  bool drawn_ = false;
  Unit unit_;
  uint64_t total_ = 0;
  std::chrono::steady_clock::time_point started_, last_draw_{};
};

}  // namespace klaxon
