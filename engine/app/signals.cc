#include "app/signals.h"

#include <pthread.h>

#include <mutex>

namespace klaxon {

namespace {
// SIGUSR2 wakes the waiter at destruction; it is blocked with the others.
constexpr int kWake = SIGUSR2;
}  // namespace

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, kWake);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

StopSignals::~StopSignals() {
  if (waiter_.joinable()) {
    pthread_kill(waiter_.native_handle(), kWake);
    waiter_.join();
  }
}

void StopSignals::on_stop(std::function<void(int)> on_stop) {
  waiter_ = std::thread([this, on_stop = std::move(on_stop)] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || sig == kWake) return;
      on_stop(sig);
    }
  });
}

}  // namespace klaxon
