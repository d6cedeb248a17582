// Dispatcher: delivers alerts from the state partitions' outboxes to channels, one worker
// thread per channel, so a slow or dead channel never holds back consumption or the other
// channels.
//
// The pipeline thread submits a job per (alert, channel) once the alert is durable in its
// partition's outbox, and takes the outcomes back: accepted (the outbox forgets that
// channel for the alert) or given up (dead-letter it, then forget). Until then the job
// stays queued here and, across restarts and rebalances, in the outbox, which resubmits it.
//
// Per channel: failures back off exponentially with jitter (retry_initial doubling to
// retry_max) and hold the whole channel, so a channel that comes back is not hit by every
// queued alert at once; a rate limit (count per period) turns what exceeds it into one
// digest message ("37 alerts from 5 rules in the last 10 min"), so nothing is dropped and
// nobody is flooded; an alert not accepted within give_up_after of entering the outbox is
// given up.
//
// Thread-safe: submit, drop_partition and take_outcomes may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/notify_config.h"
#include "metrics/notify_probe.h"
#include "notify/channel.h"

namespace klaxon {

struct DeliveryJob {
  int32_t partition = -1;  // the state partition whose outbox holds the alert
  std::string channel;
  std::string document;   // the alert JSON
  int64_t queued_ms = 0;  // wall clock when the alert entered the outbox
};

struct DeliveryOutcome {
  int32_t partition = -1;
  std::string alert_id;
  std::string channel;
  bool accepted = false;  // false: given up; `reason` says why
  std::string reason;
  std::string document;
};

struct DispatcherOptions {
  std::chrono::milliseconds give_up_after{std::chrono::hours(6)};
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{std::chrono::minutes(5)};
};

struct ChannelSetup {
  std::unique_ptr<Channel> channel;
  RateLimit rate_limit;
};

class Dispatcher {
 public:
  Dispatcher(DispatcherOptions options, std::vector<ChannelSetup> channels, NotifyProbe& probe);
  ~Dispatcher();  // stops the workers; a request in flight finishes first
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues a job unless the same (partition, alert, channel) is queued or in flight. A job
  // for a channel not configured (any more) is given up at once.
  void submit(const DeliveryJob& job);
  // The partition moved away: its queued jobs are dropped (its next owner resubmits them).
  void drop_partition(int32_t partition);
  std::vector<DeliveryOutcome> take_outcomes();
  bool has_channel(const std::string& name) const;
  size_t queued() const;

 private:
  class Worker;
  void report(DeliveryOutcome outcome);
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex mutex_;
  std::vector<DeliveryOutcome> outcomes_;
};

}  // namespace klaxon
