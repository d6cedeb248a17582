#include "source/mock_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string_view>

#include <stdexcept>

#include "source/kafka_conf.h"

namespace klaxon {

namespace {
// Kafka brokers set TCP_NODELAY on their connections; librdkafka 2.0.2's mock does not.
// With Nagle on, a small response (a produce acknowledgement) queued behind an unacknowledged
// one waits for the client's delayed ACK: about 40 ms on loopback, for every producer that
// waits for its acknowledgements. Linux copies TCP_NODELAY from a listening socket to the
// connections it accepts, so setting it on the brokers' listeners (found by their ports
// among this process's sockets) makes the mock answer as a broker does.
void disable_nagle_on_listeners(const std::string& bootstrap) {
  std::set<uint16_t> ports;
  for (size_t start = 0; start < bootstrap.size();) {
    size_t end = bootstrap.find(',', start);
    if (end == std::string::npos) end = bootstrap.size();
    std::string_view server(bootstrap.data() + start, end - start);
    if (size_t colon = server.rfind(':'); colon != std::string_view::npos)
      ports.insert(static_cast<uint16_t>(std::atoi(std::string(server.substr(colon + 1)).c_str())));
    start = end + 1;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(entry.path().filename().c_str());
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_in addr{};
    len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        addr.sin_family != AF_INET || !ports.count(ntohs(addr.sin_port)))
      continue;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}
}  // namespace

MockCluster::MockCluster(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  route_kafka_log(conf);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create mock cluster host: ") + err);
  }
  host_.reset(rk);
  cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create mock Kafka cluster");
  disable_nagle_on_listeners(bootstrap_servers());
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
