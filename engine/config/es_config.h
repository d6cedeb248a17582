// EsConfig: the config's `elasticsearch` section, read by `klaxon sink-es` (which bulk-loads
// the topic's events into Elasticsearch for Kibana). `klaxon run` ignores it, so one file
// can serve both modes; the sink consumes as its own group so that alerting and indexing
// scale and fail independently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/notify_config.h"

namespace klaxon {

struct EsConfig {
  std::vector<std::string> urls = {"http://localhost:9200"};  // bulk requests round robin
  std::string group_id = "klaxon-es-sink";
  // %{field} from the event, %Y %m %d %H from its @timestamp (UTC): Kibana's logstash-*.
  std::string index = "logstash-%{type}-%Y.%m.%d";
  int64_t bulk_max_docs = 5000;      // documents per _bulk request at most
  int64_t bulk_max_bytes = 5 << 20;  // NDJSON bytes per _bulk request at most
  milliseconds linger{200};          // a partly filled request waits at most this long
  int64_t max_in_flight = 4;         // _bulk requests at once
  bool gzip = false;                 // Content-Encoding: gzip request bodies
  milliseconds request_timeout{30000};
  milliseconds retry_initial{100};  // doubles per failed attempt, with jitter
  milliseconds retry_max{30000};
  // Documents buffered or in flight beyond this many bytes pause the partitions.
  int64_t buffer_max_bytes = 64 << 20;
  bool install_template = true;
  std::string template_name = "klaxon-logstash";
  std::string template_file;  // empty: the built-in schemas/es-index-template.json
  std::string username;       // basic auth with password_env / password_file
  SecretRef password;
  SecretRef api_key;  // Authorization: ApiKey <value> (the base64 "id:key" Kibana shows)
  std::string ca_file;
  bool tls_verify = true;
};

}  // namespace klaxon
