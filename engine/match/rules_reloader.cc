#include "match/rules_reloader.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "core/error.h"
#include "core/text.h"
#include "match/rule_files.h"
#include "match/rules_loader.h"

namespace klaxon {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ReloadOptions reload_options(const RulesConfig& config) {
  ReloadOptions o;
  o.watch = config.reload;
  o.watcher.mode = parse_watch_mode(config.reload_mode).value_or(WatchMode::automatic);
  o.watcher.debounce = config.reload_debounce;
  o.watcher.poll_interval = config.reload_poll_interval;
  return o;
}

RulesReloader::RulesReloader(std::string rules_path, const ReloadOptions& options,
                             RulesProbe& probe)
    : rules_path_(std::move(rules_path)), channels_(options.channels), probe_(probe) {
  // Watch before reading, so that a change made while the first set compiles is reloaded.
  if (options.watch)
    watcher_ = std::make_unique<RulesWatcher>(rules_path_, options.watcher,
                                              [this] { wake(/*by_operator=*/false); });
  // Hash before loading: if the files change in between, the set loaded is at least as new
  // as the hash says, and the change's notification finds a different hash and reloads.
  uint64_t hash = snapshot_rule_files(rules_path_).content_hash();
  auto start = Clock::now();
  auto matcher = Matcher::compile(load_checked());
  probe_.compile_seconds.Observe(seconds_since(start));
  active_hash_ = hash;
  publish(std::move(matcher));
  probe_.last_reload_failed.Set(0);
  thread_ = std::thread([this] { run(); });
}

RuleSet RulesReloader::load_checked() const {
  RuleSet rules = load_rules(rules_path_);
  if (channels_) check_notify(rules, *channels_);
  return rules;
}

RulesReloader::~RulesReloader() {
  watcher_.reset();
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const Matcher> RulesReloader::take_if_newer(uint64_t& generation) const {
  if (generation_.load(std::memory_order_acquire) == generation) return nullptr;
  std::unique_lock lock(published_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return nullptr;  // being swapped right now: the next call has it
  generation = generation_.load(std::memory_order_relaxed);
  return published_;
}

std::shared_ptr<const Matcher> RulesReloader::current() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void RulesReloader::request_reload() { wake(/*by_operator=*/true); }

void RulesReloader::wake(bool by_operator) {
  {
    std::lock_guard lock(wake_mutex_);
    reload_requested_ = true;
    operator_requested_ = operator_requested_ || by_operator;
  }
  wake_.notify_one();
}

void RulesReloader::run() {
  for (;;) {
    bool by_operator;
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait(lock, [this] { return stopping_ || reload_requested_; });
      if (stopping_) return;
      reload_requested_ = false;
      by_operator = std::exchange(operator_requested_, false);
    }
    reload(by_operator);
  }
}

// Each outcome is published and logged before it is counted, so that a reader who sees the
// count also sees the matcher and the log line. A reload the operator asked for (SIGHUP)
// always says how it ended, also when nothing changed.
void RulesReloader::reload(bool by_operator) {
  uint64_t hash = snapshot_rule_files(rules_path_).content_hash();  // before loading: see ctor
  if (hash == active_hash_) {
    if (failed_hash_) {
      failed_hash_.reset();
      spdlog::info("rules: {} holds the active rules (generation {}) again", rules_path_,
                   generation());
      probe_.last_reload_failed.Set(0);
    } else if (by_operator) {
      spdlog::info("rules: {} unchanged; generation {} stays active", rules_path_, generation());
    }
    probe_.reload_unchanged.Increment();
    return;
  }
  if (failed_hash_ == hash && !by_operator) {  // the same broken files: already reported
    probe_.reload_unchanged.Increment();
    return;
  }
  auto start = Clock::now();
  std::string error;
  try {
    auto matcher = Matcher::compile(load_checked());
    double seconds = seconds_since(start);
    size_t rules = matcher->rules().size();
    active_hash_ = hash;
    failed_hash_.reset();
    publish(std::move(matcher));
    spdlog::info("rules: reloaded {} from {} in {} (generation {})", plural(rules, "rule"),
                 rules_path_, human_duration(static_cast<int64_t>(seconds * 1000)), generation());
    probe_.compile_seconds.Observe(seconds);
    probe_.last_reload_failed.Set(0);
    probe_.reload_ok.Increment();
    return;
  } catch (const LoadError& e) {
    failed_hash_ = hash;  // retried only once the files change
    error = e.what();
  } catch (const std::exception& e) {  // not the files' fault (e.g. out of memory): retry
    error = e.what();
  }
  double seconds = seconds_since(start);
  spdlog::error("rules: reloading {} failed; the previous rules (generation {}) stay active:\n{}",
                rules_path_, generation(), error);
  probe_.compile_seconds.Observe(seconds);
  probe_.last_reload_failed.Set(1);
  probe_.reload_error.Increment();
}

void RulesReloader::publish(std::shared_ptr<const Matcher> matcher) {
  std::shared_ptr<const Matcher> previous;  // released after the lock: freeing takes time
  uint64_t generation;
  {
    std::lock_guard lock(published_mutex_);
    previous = std::exchange(published_, std::move(matcher));
    generation = generation_.load(std::memory_order_relaxed) + 1;
    generation_.store(generation, std::memory_order_release);
  }
  probe_.generation.Set(static_cast<double>(generation));
  probe_.last_success_timestamp.Set(unix_seconds_now());
}

}  // namespace klaxon
