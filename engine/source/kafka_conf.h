// Builds librdkafka configuration objects from string properties.
// Any librdkafka property may be set (SASL/SSL included); a bad one is a LoadError naming
// the property and librdkafka's reason (never its value, which may be a secret).
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

namespace klaxon {

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

// Applies `base` first, then `user` (user properties win). `origin` prefixes the key in
// error messages, e.g. "kafka.properties". Also routes librdkafka's log (route_kafka_log).
RdKafkaConfPtr make_kafka_conf(const std::map<std::string, std::string>& base,
                               const std::map<std::string, std::string>& user,
                               const std::string& origin);

// librdkafka's own log lines go through spdlog, in klaxon's format and at the matching level
// ("kafka rdkafka#consumer-1 FAIL: ..."), instead of raw "%3|...|FAIL|" lines on stderr.
// Called from librdkafka's threads: spdlog's loggers are thread-safe.
void route_kafka_log(rd_kafka_conf_t* conf);

}  // namespace klaxon
