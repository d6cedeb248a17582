#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "app/topics_setup.h"
#include "cli/commands.h"
#include "source/mock_cluster.h"

namespace klaxon {

int dev_kafka_command(const DevKafkaCommand& cmd, ProcessSignals& signals) {
  // Subscribed before it says it is ready: a stop right after is a clean one.
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  auto subscription = signals.subscribe([&](int) {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  });
  MockCluster cluster(cmd.brokers);
  cluster.create_topic(cmd.topic, cmd.partitions, cmd.replication);
  cluster.create_topic(cmd.alerts_topic, cmd.partitions, cmd.replication);
  cluster.create_topic(cmd.dead_letter_topic, cmd.partitions, cmd.replication);
  for (const auto& group : cmd.groups)
    create_internal_topics(cluster, group, cmd.partitions, cmd.replication);
  std::string bootstrap = cluster.bootstrap_servers();
  if (!cmd.bootstrap_file.empty()) {
    std::ofstream(cmd.bootstrap_file) << bootstrap << "\n";
  }
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  spdlog::info(
      "mock Kafka cluster: {} brokers at {}; topics {} ({} partitions, replication {}), "
      "{}, {}; internal topics of groups {}; Ctrl-C stops it",
      cmd.brokers, bootstrap, cmd.topic, cmd.partitions, cmd.replication, cmd.alerts_topic,
      cmd.dead_letter_topic, fmt::join(cmd.groups, ", "));
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return stop; });
  spdlog::info("mock Kafka cluster stopped");
  return 0;
}

}  // namespace klaxon
