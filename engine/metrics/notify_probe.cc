#include "metrics/notify_probe.h"

#include <prometheus/counter.h>

namespace klaxon {

NotifyProbe::NotifyProbe(prometheus::Registry& registry)
    : deliveries_(prometheus::BuildCounter()
                      .Name("klaxon_deliveries_total")
                      .Help("Alerts by channel and delivery result: accepted, retried (an "
                            "attempt failed; tried again), rejected (refused for good), gave_up, "
                            "silenced (held back by a klaxon silence)")
                      .Register(registry)),
      failed_attempts_(prometheus::BuildCounter()
                           .Name("klaxon_delivery_retries_total")
                           .Help("Delivery requests to a channel that failed and will be retried")
                           .Register(registry)),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("klaxon_alerts_dead_lettered_total")
                         .Help("Alerts a channel never accepted, written to the dead-letter topic")
                         .Register(registry)),
      digests_(prometheus::BuildCounter()
                   .Name("klaxon_delivery_digests_total")
                   .Help("Digest messages sent because a channel's rate limit was reached")
                   .Register(registry)),
      digested_(prometheus::BuildCounter()
                    .Name("klaxon_delivery_digested_alerts_total")
                    .Help("Alerts summarised in digests instead of sent one by one")
                    .Register(registry)),
      queued_(prometheus::BuildGauge()
                  .Name("klaxon_delivery_queue")
                  .Help("Alerts waiting for delivery to a channel")
                  .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("klaxon_delivery_latency_seconds")
                   .Help("From an alert's event time to the channel accepting it")
                   .Register(registry)),
      silences_(prometheus::BuildGauge()
                    .Name("klaxon_silences")
                    .Help("klaxon's own silences by state: active, pending (starts later), "
                          "expired")
                    .Register(registry)),
      active_silences_(silences_.Add({{"state", "active"}})),
      pending_silences_(silences_.Add({{"state", "pending"}})),
      expired_silences_(silences_.Add({{"state", "expired"}})) {}

void NotifyProbe::set_silences(size_t active, size_t pending, size_t expired) {
  active_silences_.Set(static_cast<double>(active));
  pending_silences_.Set(static_cast<double>(pending));
  expired_silences_.Set(static_cast<double>(expired));
}

NotifyProbe::Channel& NotifyProbe::channel(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = channels_[name];
  if (!slot) {
    auto result = [&](const char* r) -> prometheus::Counter& {
      return deliveries_.Add({{"channel", name}, {"result", r}});
    };
    slot.reset(new Channel{
        result("accepted"), result("retried"), result("rejected"), result("gave_up"),
        result("silenced"), failed_attempts_.Add({{"channel", name}}),
        dead_lettered_.Add({{"channel", name}}), digests_.Add({{"channel", name}}),
        digested_.Add({{"channel", name}}), queued_.Add({{"channel", name}}),
        latency_.Add({{"channel", name}},
                     prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
                                                             30, 60, 300, 900, 3600})});
  }
  return *slot;
}

}  // namespace klaxon
