// RulesReloader: keeps the compiled rule set (a Matcher) in step with the rule files while
// the engine runs. Compiling thousands of rules takes seconds, so it happens on the
// reloader's own thread and consumption never pauses.
//
// The constructor loads and compiles the rules (generation 1). Afterwards, each time the
// RulesWatcher reports a change or request_reload() is called (SIGHUP), the reloader's thread:
//  1. hashes the rule files' names and contents. If they hold the active set's content, or
//     the content whose load last failed, it stops there: result "unchanged";
//  2. otherwise loads and compiles them, timed (klaxon_rules_compile_seconds);
//  3. on success publishes the new Matcher as the next generation: result "ok";
//  4. on failure logs one error listing every problem (file:line, key) and saying that the
//     previous rules stay active, which they do; klaxon_rules_last_reload_failed is 1 until
//     a load succeeds or the files return to the active content: result "error".
//
// The consuming thread picks a new matcher up between batches with take_if_newer(): one
// atomic load when nothing is new, else a try-lock held by the publisher only to swap a
// pointer, never during a compile; when busy it returns null and the next batch takes it.
// A Matcher is immutable; a new one needs its own Matcher::Scratch. A matcher the consumer
// drops is freed by whichever thread drops the last reference.
//
// Thread: construct and destroy on one thread; take_if_newer(), current(), generation() and
// request_reload() from any thread. The probe must outlive the reloader.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/config.h"
#include "match/matcher.h"
#include "match/rules_loader.h"
#include "match/rules_watcher.h"
#include "metrics/rules_probe.h"

namespace klaxon {

struct ReloadOptions {
  bool watch = true;     // false: reload only on request_reload()
  WatchOptions watcher;  // mode, debounce, poll interval
  // The configured channel names: a rule whose `notify` names another is an error. Unset:
  // not checked (tools without a config).
  std::optional<std::vector<std::string>> channels;
};

// From the config's `rules.reload*` keys (already validated by load_config).
ReloadOptions reload_options(const RulesConfig& config);

class RulesReloader {
 public:
  // Loads and compiles the rules under `rules_path` (a file or a directory), then watches
  // them. Throws LoadError when the rules are bad (as load_rules and Matcher::compile do),
  // and std::system_error when options.watcher.mode is inotify and inotify cannot be used.
  RulesReloader(std::string rules_path, const ReloadOptions& options, RulesProbe& probe);
  // Stops watching and joins the thread; a compile in progress finishes first.
  ~RulesReloader();
  RulesReloader(const RulesReloader&) = delete;
  RulesReloader& operator=(const RulesReloader&) = delete;

  // The published matcher when it is newer than `generation` (then `generation` becomes
  // its generation); null otherwise. Never blocks. Start with generation 0 to get the
  // first set.
  std::shared_ptr<const Matcher> take_if_newer(uint64_t& generation) const;
  // The published matcher (never null); may wait for a pointer swap, never for a compile.
  std::shared_ptr<const Matcher> current() const;
  // Of the published matcher; 1 for the set loaded by the constructor.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Asks for a reload (e.g. on SIGHUP); it runs on the reloader's thread. Returns at once.
  void request_reload();

 private:
  void run();
  void wake(bool by_operator);
  void reload(bool by_operator);
  void publish(std::shared_ptr<const Matcher> matcher);

  RuleSet load_checked() const;  // load_rules + check_notify
  const std::string rules_path_;
  const std::optional<std::vector<std::string>> channels_;
  RulesProbe& probe_;

  mutable std::mutex published_mutex_;  // held only to swap or copy the pointer
  std::shared_ptr<const Matcher> published_;
  std::atomic<uint64_t> generation_{0};

  // Used by the reloader's thread only (and the constructor before it starts).
  uint64_t active_hash_ = 0;             // content of the published set's files
  std::optional<uint64_t> failed_hash_;  // content whose load failed last, while it did

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool reload_requested_ = false;
  bool operator_requested_ = false;  // request_reload() since the last reload
  bool stopping_ = false;

  std::unique_ptr<RulesWatcher> watcher_;  // after what its callback touches
  std::thread thread_;
};

}  // namespace klaxon
