// ProcessSignals: turns SIGINT/SIGTERM (stop) and SIGHUP (reload) into callbacks, without a
// global flag. Construct it first in main(), before any thread starts, so every thread
// (librdkafka's included) inherits the blocked mask and only its own thread receives them.
//
// A command subscribes while it can act on them; the Subscription's destructor removes the
// callbacks (waiting for one in progress), so they never run against a command's destroyed
// locals. Without a subscription, SIGINT/SIGTERM end the process at once (nothing is running
// that could finish a batch: start-up, `check`, a failed command) with 128 + the signal, and
// SIGHUP is logged and ignored rather than killing the process as its default action would.
// A second SIGINT/SIGTERM ends the process at once too: the way out of a stop that hangs
// (or of a read from a terminal), as Ctrl-C twice is elsewhere.
// Thread: construct and subscribe on one thread; callbacks run on the signal thread.
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

namespace klaxon {

class ProcessSignals {
 public:
  ProcessSignals();
  ~ProcessSignals();
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;

  class [[nodiscard]] Subscription {
   public:
    explicit Subscription(ProcessSignals* signals) : signals_(signals) {}
    Subscription(Subscription&& other) noexcept : signals_(other.signals_) {
      other.signals_ = nullptr;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    Subscription& operator=(Subscription&&) = delete;
    ~Subscription() {
      if (signals_ != nullptr) signals_->unsubscribe();
    }

   private:
    ProcessSignals* signals_;
  };

  // From now until the Subscription is destroyed: `on_stop` for each SIGINT/SIGTERM,
  // `on_reload` (may be empty: then SIGHUP is logged as having nothing to reload) for SIGHUP.
  Subscription subscribe(std::function<void(int signal)> on_stop,
                         std::function<void()> on_reload = {});

 private:
  void run();
  void unsubscribe();

  sigset_t set_;
  std::atomic<bool> closing_{false};  // set by the destructor before it wakes the waiter
  bool stop_delivered_ = false;       // a stop callback ran: the next stop signal exits
  std::mutex mutex_;                  // held while a callback runs, and to change them
  std::function<void(int)> on_stop_;
  std::function<void()> on_reload_;
  std::thread waiter_;
};

}  // namespace klaxon
