// StopSignals: turns SIGINT/SIGTERM into a callback without a global flag.
// Construct it first in main(), before any thread starts, so every thread (librdkafka's
// included) inherits the blocked mask and only the waiting thread receives the signals.
#pragma once

#include <csignal>
#include <functional>
#include <thread>

namespace klaxon {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  // Runs `on_stop` (on the signal thread) for each SIGINT/SIGTERM received from now on.
  void on_stop(std::function<void(int signal)> on_stop);

 private:
  sigset_t set_;
  std::thread waiter_;
};

}  // namespace klaxon
