#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/text.h"

namespace klaxon {

namespace {

std::string amount(uint64_t n, ProgressBar::Unit unit) {
  if (unit == ProgressBar::Unit::records) return plural(n, "record");
  char text[32];
  if (n < (1u << 20)) {
    std::snprintf(text, sizeof text, "%.0f KiB", static_cast<double>(n) / 1024);
  } else if (n < (1ull << 30)) {
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(n) / (1 << 20));
  } else {
    std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(n) / (1 << 30));
  }
  return text;
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, Unit unit)
    : active_(enabled && isatty(STDERR_FILENO) == 1),
      unit_(unit),
      started_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(uint64_t done, uint64_t events) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - started_).count();
  double rate = secs > 0 ? static_cast<double>(events) / secs : 0;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    int filled = static_cast<int>(share * kWidth);
    std::fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %s  %.0f events/s \033[K", filled,
                 "##############################", kWidth - filled, "", share * 100,
                 plural(events, "event").c_str(), rate);
  } else {
    std::fprintf(stderr, "\r%s read  %s  %.0f events/s \033[K", amount(done, unit_).c_str(),
                 plural(events, "event").c_str(), rate);
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!active_ || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

void ProgressBar::finish() {
  clear();
  active_ = false;
}

}  // namespace klaxon
