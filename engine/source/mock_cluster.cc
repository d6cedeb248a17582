#include "source/mock_cluster.h"

#include <stdexcept>

namespace klaxon {

MockCluster::MockCluster(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create mock cluster host: ") + err);
  }
  host_.reset(rk);
  cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create mock Kafka cluster");
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

void MockCluster::create_topic(const std::string& name, int partitions, int replication) {
  if (auto e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
      e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("cannot create topic " + name + ": " + rd_kafka_err2str(e));
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

}  // namespace klaxon
