#include "app/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace klaxon {

ProgressBar::ProgressBar(bool enabled, uint64_t total, std::string unit)
    : active_(enabled && isatty(STDERR_FILENO) == 1),
      total_(total),
      unit_(std::move(unit)),
      started_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(uint64_t done, uint64_t events) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - started_).count();
  double rate = secs > 0 ? static_cast<double>(events) / secs : 0;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    int filled = static_cast<int>(share * kWidth);
    std::fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %llu events  %.0f events/s ", filled,
                 "##############################", kWidth - filled, "", share * 100,
                 static_cast<unsigned long long>(events), rate);
  } else {
    std::fprintf(stderr, "\r%llu %s  %llu events  %.0f events/s ",
                 static_cast<unsigned long long>(done), unit_.c_str(),
                 static_cast<unsigned long long>(events), rate);
  }
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!active_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  active_ = false;
}

}  // namespace klaxon
