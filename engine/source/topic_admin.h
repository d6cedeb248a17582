// Topic administration: partition counts from the cluster's metadata, and creating topics
// through the Admin API (CreateTopics), for the topics klaxon keeps for itself.
// Metadata is read for all topics at once: asking for one unknown topic by name makes some
// clusters (and librdkafka's mock) create it with their default partition count.
// Thread: any; calls block up to `timeout`.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <string>

namespace klaxon {

// Partition count of every topic in the cluster. Throws std::runtime_error when the
// metadata cannot be read.
std::map<std::string, int> topic_partition_counts(rd_kafka_t* rk,
                                                  std::chrono::milliseconds timeout);

// Creates a topic; returns false with the broker's reason when it cannot.
// replication -1: the broker's default.
bool create_topic(rd_kafka_t* rk, const std::string& name, int partitions, int replication,
                  const std::map<std::string, std::string>& configs,
                  std::chrono::milliseconds timeout, std::string& error);

}  // namespace klaxon
