// The Kafka clients' options from the config: one place that says how klaxon configures
// librdkafka for each of its roles (the engine's group, sink-es's group, producers).
#pragma once

#include <chrono>
#include <string>

#include "config/config.h"
#include "source/consumer.h"
#include "source/producer.h"

namespace klaxon {

// The consumer's options from the config's kafka section, for group `group_id` (sink-es
// reads as its own group).
ConsumerOptions consumer_options(const Config& config, const std::string& group_id);
// klaxon run's: the input topics and its repartition topic, in kafka.group_id.
ConsumerOptions run_consumer_options(const Config& config);
// The producers' options: kafka.properties without the consumer-only ones (which would make
// librdkafka warn).
ProducerOptions producer_options(const Config& config);
// socket.timeout.ms of klaxon's clients unless kafka.properties sets it: a third of
// kafka.flush_timeout, 2 s to 30 s. A request that is never answered (a broker that hung, a
// connection that died without a reset) is then retried on a new connection before a batch
// stops waiting for it.
std::chrono::milliseconds default_socket_timeout(const Config& config);

}  // namespace klaxon
