// MockCluster: librdkafka's built-in mock Kafka cluster (rdkafka_mock.h), a real
// implementation of the Kafka protocol on loopback, reachable by any client (kcat too).
// Used by `klaxon dev-kafka`, the demo and the integration tests.
//
// Limits of librdkafka 2.0.2's mock: about 5 MiB per partition (older data is dropped),
// no Admin API (topics are created here), unknown topics auto-created with 4 partitions,
// offset commits rejected during a rebalance, an idempotent producer's sequence numbers not
// checked (only a transactional producer's): a request written but not answered is written
// again by its retry, and a request that overtook one answered "possibly persisted" is
// written, so librdkafka acknowledges the earlier one's messages, never written.
// Thread: create and destroy on one thread; the cluster serves on its own threads.
#pragma once

#include <librdkafka/rdkafka.h>

#include <librdkafka/rdkafka_mock.h>  // must follow rdkafka.h

#include <string>

#include "source/kafka_conf.h"

namespace klaxon {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // Throws std::runtime_error when the topic cannot be created.
  void create_topic(const std::string& name, int partitions, int replication);
  // "127.0.0.1:port,..." for bootstrap.servers.
  std::string bootstrap_servers() const;
  rd_kafka_mock_cluster_t* handle() { return cluster_; }

 private:
  RdKafkaPtr host_;  // the client handle that owns the cluster's threads
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace klaxon
