#include "cli/signals.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace klaxon {

namespace {
// SIGUSR2 wakes the waiter at destruction; it is blocked with the others.
constexpr int kWake = SIGUSR2;
}  // namespace

ProcessSignals::ProcessSignals() {
  sigemptyset(&set_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, kWake}) sigaddset(&set_, sig);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  waiter_ = std::thread([this] { run(); });
}

ProcessSignals::~ProcessSignals() {
  closing_ = true;
  pthread_kill(waiter_.native_handle(), kWake);
  waiter_.join();
}

ProcessSignals::Subscription ProcessSignals::subscribe(std::function<void(int)> on_stop,
                                                       std::function<void()> on_reload) {
  std::lock_guard lock(mutex_);
  on_stop_ = std::move(on_stop);
  on_reload_ = std::move(on_reload);
  stop_delivered_ = false;
  return Subscription(this);
}

void ProcessSignals::unsubscribe() {
  std::lock_guard lock(mutex_);
  on_stop_ = nullptr;
  on_reload_ = nullptr;
}

void ProcessSignals::run() {
  for (;;) {
    int sig = 0;
    if (sigwait(&set_, &sig) != 0) return;
    if (sig == kWake) {
      if (closing_) return;
      continue;  // someone else's SIGUSR2: not ours to act on
    }
    std::lock_guard lock(mutex_);
    if (sig == SIGHUP) {
      if (on_reload_) {
        spdlog::info("SIGHUP: reloading the rule files");
        on_reload_();
      } else {
        spdlog::info("SIGHUP: this command has nothing to reload; ignored");
      }
    } else if (on_stop_ && !stop_delivered_) {
      stop_delivered_ = true;
      on_stop_(sig);
    } else {
      std::_Exit(128 + sig);  // nothing started yet that a stop could let finish
    }
  }
}

}  // namespace klaxon
