// RulesWatcher: tells when the rule files under a path (one file, or a directory of
// *.yaml / *.yml) have changed, so that the reloader knows when to load them again.
//
// Two mechanisms, and the log says which one is in use:
//  - inotify (see inotify_watch.h): watches the directory, also when the path is a single
//    file, so in-place writes, editors and `mv` renaming a temp file into place, created and
//    deleted files, and Kubernetes ConfigMap updates (the `..data` symlink swapped by rename)
//    are all seen; and each rule file through its symlinks.
//  - polling: every poll_interval, compares path, size, mtime and content hash of each rule
//    file. Used when mode is poll, or in mode auto when inotify cannot start or later fails
//    (no inotify, watch limit reached).
// Either way it reports once the files have been quiet for `debounce`, since editors and
// kubelet write in several steps: a burst of changes is one call.
//
// Files that are not rule files (`.pay.yaml.swp`, `foo.txt`, `README.md`, hidden files) never
// cause a call, in either mode. A call may still name no real change (a file touched, or
// rewritten with the same bytes): the reloader compares contents and counts it "unchanged".
//
// Thread: owns one thread, which calls on_change (it must be quick and must not throw).
// Construct and destroy on any one thread; mode() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "match/rule_files.h"

namespace klaxon {

class InotifyWatch;

enum class WatchMode {
  automatic,  // "auto": inotify, falling back to polling when it cannot be used
  inotify,    // inotify; the constructor throws when it cannot start (later failures poll)
  poll,       // polling only
};

std::string_view to_string(WatchMode mode);
// "auto", "inotify" or "poll"; nullopt otherwise.
std::optional<WatchMode> parse_watch_mode(std::string_view text);

struct WatchOptions {
  WatchMode mode = WatchMode::automatic;
  std::chrono::milliseconds debounce{300};  // quiet time after the last change before a call
  // Polling: time between looks. inotify: how often a missing directory is looked for.
  std::chrono::milliseconds poll_interval{2000};
};

class RulesWatcher {
 public:
  // Starts watching `rules_path`; every change after the constructor returns is reported.
  // Throws std::system_error when options.mode is inotify and inotify cannot be used.
  RulesWatcher(std::string rules_path, WatchOptions options, std::function<void()> on_change);
  // Stops promptly; on_change is not called once it returns.
  ~RulesWatcher();
  RulesWatcher(const RulesWatcher&) = delete;
  RulesWatcher& operator=(const RulesWatcher&) = delete;

  // The mechanism in use: inotify or poll (poll after a fallback).
  WatchMode mode() const { return mode_.load(); }

 private:
  void run();
  bool run_inotify();  // true when stopped; false when inotify failed
  void run_poll();
  // Waits up to `timeout`; true when the watcher is being stopped.
  bool stopping_within(std::chrono::milliseconds timeout) const;

  const std::string rules_path_;
  const WatchOptions options_;
  const std::function<void()> on_change_;
  std::unique_ptr<InotifyWatch> inotify_;  // null when polling
  RulesSnapshot last_;                     // polling: what the files looked like
  std::atomic<WatchMode> mode_;
  int stop_fd_ = -1;  // eventfd, written by the destructor
  std::thread thread_;
};

}  // namespace klaxon
