// NotifyProbe: metrics of alert delivery to channels (docs/metrics.md).
// Thread-safe: channel workers update it, the metrics server reads it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace klaxon {

class NotifyProbe {
 public:
  explicit NotifyProbe(prometheus::Registry& registry);

  struct Channel {
    prometheus::Counter& accepted;         // alerts the channel took
    prometheus::Counter& retried;          // alerts of failed attempts, to be tried again
    prometheus::Counter& rejected;         // alerts the channel refused for good
    prometheus::Counter& gave_up;          // alerts not accepted within give_up_after
    prometheus::Counter& silenced;         // alerts held back by a klaxon silence
    prometheus::Counter& attempts_failed;  // requests that failed (retries that follow)
    prometheus::Counter& dead_lettered;    // alerts written to the dead-letter topic
    prometheus::Counter& digests;          // digest messages sent
    prometheus::Counter& digested;         // alerts summarised in them
    prometheus::Gauge& queued;             // alerts waiting for this channel
    prometheus::Histogram& latency;        // event time to accepted, seconds
  };
  // The channel's metrics (created on first use).
  Channel& channel(const std::string& name);
  // klaxon's own silences by state (klaxon_silences{state}).
  void set_silences(size_t active, size_t pending, size_t expired);

 private:
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Counter>& failed_attempts_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Counter>& digests_;
  prometheus::Family<prometheus::Counter>& digested_;
  prometheus::Family<prometheus::Gauge>& queued_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Gauge>& silences_;
  prometheus::Gauge& active_silences_;
  prometheus::Gauge& pending_silences_;
  prometheus::Gauge& expired_silences_;
  std::map<std::string, std::unique_ptr<Channel>> channels_;
  std::mutex mutex_;
};

}  // namespace klaxon
