#include "match/rules_watcher.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/time.h"
#include "match/inotify_watch.h"

namespace klaxon {

namespace {

using Clock = std::chrono::steady_clock;

// poll(2)'s timeout until `at` (rounded up, so it never spins just before it), -1 for never.
int timeout_ms(std::optional<Clock::time_point> at) {
  if (!at) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*at - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

std::string_view to_string(WatchMode mode) {
  switch (mode) {
    case WatchMode::automatic:
      return "auto";
    case WatchMode::inotify:
      return "inotify";
    case WatchMode::poll:
      return "poll";
  }
  return "?";
}

std::optional<WatchMode> parse_watch_mode(std::string_view text) {
  for (auto mode : {WatchMode::automatic, WatchMode::inotify, WatchMode::poll})
    if (to_string(mode) == text) return mode;
  return std::nullopt;
}

RulesWatcher::RulesWatcher(std::string rules_path, WatchOptions options,
                           std::function<void()> on_change)
    : rules_path_(std::move(rules_path)),
      options_(options),
      on_change_(std::move(on_change)),
      mode_(WatchMode::poll) {
  if (options_.mode != WatchMode::poll) {
    try {
      inotify_ = std::make_unique<InotifyWatch>(rules_path_);
      mode_ = WatchMode::inotify;
    } catch (const std::system_error& e) {
      if (options_.mode == WatchMode::inotify) throw;
      spdlog::warn("rules: inotify cannot watch {} ({}); polling instead", rules_path_, e.what());
    }
  }
  if (!inotify_) last_ = snapshot_rule_files(rules_path_);
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  if (inotify_)
    spdlog::info("rules: watching {} for changes with inotify (debounce {})", rules_path_,
                 format_duration(options_.debounce));
  else
    spdlog::info("rules: watching {} for changes by polling every {} (debounce {})", rules_path_,
                 format_duration(options_.poll_interval), format_duration(options_.debounce));
  thread_ = std::thread([this] { run(); });
}

RulesWatcher::~RulesWatcher() {
  uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) spdlog::error("rules: cannot stop the watcher");
  thread_.join();
  ::close(stop_fd_);
}

void RulesWatcher::run() {
  if (inotify_) {
    if (run_inotify()) return;
    inotify_.reset();
    last_ = snapshot_rule_files(rules_path_);
    mode_ = WatchMode::poll;
    spdlog::warn("rules: now polling {} every {}", rules_path_,
                 format_duration(options_.poll_interval));
    on_change_();  // a change may have been missed while switching
  }
  run_poll();
}

bool RulesWatcher::run_inotify() {
  std::optional<Clock::time_point> quiet_at;  // report then, unless more events come first
  Clock::time_point look_for_dir_at = Clock::now();
  try {
    for (;;) {
      std::optional<Clock::time_point> wake_at = quiet_at;
      if (!inotify_->watching_directory())
        wake_at = wake_at ? std::min(*wake_at, look_for_dir_at) : look_for_dir_at;
      pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_->fd(), POLLIN, 0}};
      if (::poll(fds, 2, timeout_ms(wake_at)) < 0 && errno != EINTR)
        throw std::system_error(errno, std::generic_category(), "poll");
      if (fds[0].revents != 0) return true;
      auto now = Clock::now();
      if ((fds[1].revents & POLLIN) && inotify_->read_events()) quiet_at = now + options_.debounce;
      if (!inotify_->watching_directory() && now >= look_for_dir_at) {
        inotify_->refresh();
        if (inotify_->watching_directory()) quiet_at = now + options_.debounce;  // it is back
        look_for_dir_at = now + options_.poll_interval;
      }
      if (quiet_at && now >= *quiet_at) {
        quiet_at.reset();
        inotify_->refresh();  // watch the rule files as they are now
        on_change_();
      }
    }
  } catch (const std::system_error& e) {
    spdlog::warn("rules: inotify failed watching {} ({})", rules_path_, e.what());
    return false;
  }
}

void RulesWatcher::run_poll() {
  bool settling = false;  // changed at the last look: report once a look finds it still
  for (;;) {
    if (stopping_within(settling ? options_.debounce : options_.poll_interval)) return;
    RulesSnapshot now = snapshot_rule_files(rules_path_);
    if (now != last_) {
      last_ = std::move(now);
      settling = true;
    } else if (settling) {
      settling = false;
      on_change_();
    }
  }
}

bool RulesWatcher::stopping_within(std::chrono::milliseconds timeout) const {
  pollfd fd = {stop_fd_, POLLIN, 0};
  auto until = Clock::now() + timeout;
  for (;;) {
    int n = ::poll(&fd, 1, timeout_ms(until));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // cannot wait: stop rather than spin
  }
}

}  // namespace klaxon
