// ConsumerProbe: the metrics every klaxon consumer exports, whatever it does with the records
// (`klaxon run` and `klaxon sink-es` alike): records read, invalid ones by reason, dead
// letters, offset commits, rebalances, lag per partition and the build.
//
// Names follow Prometheus conventions; label sets are bounded (reason: a fixed list;
// topic/partition: assigned partitions).
// Thread: the consuming thread updates it; civetweb threads read it (prometheus-cpp is
// thread-safe for that). invalid() and consumer_lag() from the consuming thread only.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

class ConsumerProbe {
 public:
  explicit ConsumerProbe(prometheus::Registry& registry);

  prometheus::Counter& events_consumed;
  prometheus::Counter& dead_letters;  // records acknowledged by the dead-letter topic
  prometheus::Counter& commits_ok;
  prometheus::Counter& commits_failed;
  prometheus::Counter& partitions_assigned;
  prometheus::Counter& partitions_revoked;

  // What the consumer reports (its ConsumerListener calls), as metrics and log lines: the
  // same in every mode. error_reported() returns true when the error is fatal (the caller
  // stops).
  void commit_reported(bool ok, const std::string& error);
  void lag_reported(const std::string& topic, int32_t partition, int64_t lag);
  bool error_reported(const std::string& error, bool fatal);

  prometheus::Counter& invalid(std::string_view reason);
  prometheus::Gauge& consumer_lag(const std::string& topic, int32_t partition);

  static const std::vector<double>& latency_buckets();

 private:
  prometheus::Family<prometheus::Counter>& invalid_family_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  std::map<std::string, prometheus::Counter*, std::less<>> invalid_;
};

}  // namespace klaxon
