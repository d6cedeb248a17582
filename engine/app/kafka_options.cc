#include "app/kafka_options.h"

#include <algorithm>

#include "config/internal_topics.h"

namespace klaxon {

ConsumerOptions consumer_options(const Config& config, const std::string& group_id) {
  ConsumerOptions o;
  o.bootstrap_servers = config.kafka.bootstrap_servers;
  o.group_id = group_id;
  o.topics = config.kafka.topics;
  o.auto_offset_reset = config.kafka.auto_offset_reset;
  o.commit_interval = config.kafka.commit_interval;
  o.session_timeout = config.kafka.session_timeout;
  o.properties = config.kafka.properties;
  o.properties.try_emplace("socket.timeout.ms",
                           std::to_string(default_socket_timeout(config).count()));
  return o;
}

std::chrono::milliseconds default_socket_timeout(const Config& config) {
  // At least 2 s: librdkafka wants a consumer's 1 s above fetch.wait.max.ms (500 ms).
  return std::clamp(config.kafka.flush_timeout / 3, std::chrono::milliseconds(2000),
                    std::chrono::milliseconds(30'000));
}

ConsumerOptions run_consumer_options(const Config& config) {
  ConsumerOptions o = consumer_options(config, config.kafka.group_id);
  // A repartition partition never committed is read from its start (its matches were
  // acknowledged and their input offsets committed); latest applies to the input topics,
  // which jump to their end, and --from TIME starts them at the earliest and skips.
  if (o.auto_offset_reset == "latest" && !config.kafka.first_start_from_ms)
    o.start_new_at_end = config.kafka.topics;
  o.auto_offset_reset = "earliest";
  o.topics.push_back(repartition_topic(config.kafka.group_id));
  return o;
}

ProducerOptions producer_options(const Config& config) {
  ProducerOptions producer;
  producer.bootstrap_servers = config.kafka.bootstrap_servers;
  producer.properties = config.kafka.properties;
  for (const char* consumer_only :
       {"group.id", "auto.offset.reset", "enable.auto.commit", "session.timeout.ms",
        "max.poll.interval.ms", "heartbeat.interval.ms", "partition.assignment.strategy",
        "group.instance.id"})
    producer.properties.erase(consumer_only);
  // A produce request is given up, and retried on a new connection, after socket.timeout.ms
  // (or what is left of message.timeout.ms): librdkafka's 60 s would outlast
  // kafka.flush_timeout and stop the pod. Idempotence keeps the retry from writing twice.
  producer.properties.try_emplace("socket.timeout.ms",
                                  std::to_string(default_socket_timeout(config).count()));
  return producer;
}

}  // namespace klaxon
