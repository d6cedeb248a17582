// The topics klaxon keeps for itself, checked (and created where the cluster allows) before
// the engine joins its group: the repartition topic and the changelog topic, each with as
// many partitions as the input (the largest input topic when there are several). A topic
// with another partition count would send state to the wrong partition, so the engine
// refuses to run and says what to do. With notify channels, also the silences topic (one
// partition, compacted).
#pragma once

#include <librdkafka/rdkafka.h>

#include "config/config.h"
#include "source/mock_cluster.h"

namespace klaxon {

// Returns the number of state partitions. Throws std::runtime_error naming the topic and
// the remedy when a topic is missing and cannot be created, or has the wrong partitions.
int32_t ensure_internal_topics(const Config& config, rd_kafka_t* rk);

// For librdkafka's mock cluster, which has no Admin API: creates the repartition and
// changelog topics of consumer group `group`, and its silences topic.
void create_internal_topics(MockCluster& cluster, const std::string& group, int partitions,
                            int replication);

}  // namespace klaxon
