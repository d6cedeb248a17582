// SinkProbe: the Elasticsearch sink's metrics (the consumer's are in ConsumerProbe).
//   klaxon_es_documents_total{result="indexed"|"dead_lettered"}
//   klaxon_es_failures_total{reason}   failed attempts: item error types
//       (es_rejected_execution_exception, mapper_parsing_exception, ...) and whole requests
//       (http_429, http_5xx, http_4xx, connection, timeout, too_large, bad_response)
//   klaxon_es_retries_total            documents sent again after a transient failure
//   klaxon_es_bulk_request_seconds     one _bulk round trip
//   klaxon_es_requests_in_flight, klaxon_es_paused_partitions, klaxon_es_buffered_bytes
// Thread-safe: sender threads and the consuming thread update it; failure(reason) takes a
// lock only the first time a reason is seen.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace klaxon {

class SinkProbe {
 public:
  explicit SinkProbe(prometheus::Registry& registry);

  prometheus::Counter& indexed;
  prometheus::Counter& dead_lettered;
  prometheus::Counter& retries;
  prometheus::Histogram& request_seconds;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& paused_partitions;
  prometheus::Gauge& buffered_bytes;

  prometheus::Counter& failure(std::string_view reason);

 private:
  prometheus::Family<prometheus::Counter>& failures_;
  std::mutex mutex_;
  std::map<std::string, prometheus::Counter*, std::less<>> by_reason_;
};

}  // namespace klaxon
