#include "app/topics_setup.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "config/internal_topics.h"
#include "source/topic_admin.h"

namespace klaxon {

namespace {
constexpr std::chrono::milliseconds kAdminTimeout{15000};

struct Internal {
  std::string name;
  std::map<std::string, std::string> configs;
  int partitions;
  bool co_partitioned = true;  // must have as many partitions as the input
};

// Names every missing topic and the three ways to make them: a command per topic for a real
// cluster, state.create_topics (which needs the Admin API and the right ACLs), or, on the
// development cluster (librdkafka's mock, no Admin API), `klaxon dev-kafka --group G`.
std::string missing_topics_message(const Config& config,
                                   const std::vector<const Internal*>& missing,
                                   const std::string& create_error) {
  std::string names, commands;
  for (const Internal* t : missing) {
    names += (names.empty() ? "" : ", ") + t->name;
    commands += "\n  kafka-topics.sh --bootstrap-server " + config.kafka.bootstrap_servers +
                " --create --topic " + t->name + " --partitions " + std::to_string(t->partitions) +
                (config.state.topic_replication > 0
                     ? " --replication-factor " + std::to_string(config.state.topic_replication)
                     : "") +
                (t->configs.empty() ? "" : " --config cleanup.policy=compact");
  }
  bool one = missing.size() == 1;
  std::string text = std::string(one ? "topic " : "topics ") + names + (one ? " does" : " do") +
                     " not exist in " + config.kafka.bootstrap_servers + " and " +
                     (one ? "was" : "were") + " not created (" + create_error + "). " +
                     "klaxon keeps its repartitioned matches and its state there (consumer group " +
                     config.kafka.group_id + "). Create " + (one ? "it" : "them") + ":" + commands +
                     "\nor let klaxon create " + (one ? "it" : "them") +
                     " (state.create_topics: true, with the Admin API allowed), or, on the "
                     "development cluster, start it with `klaxon dev-kafka --group " +
                     config.kafka.group_id + "`";
  return text;
}

}  // namespace

int32_t ensure_internal_topics(const Config& config, rd_kafka_t* rk) {
  std::map<std::string, int> counts;
  try {
    counts = topic_partition_counts(rk, kAdminTimeout);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot reach Kafka at " + config.kafka.bootstrap_servers +
                             " (kafka.bootstrap_servers" +
                             (config.file.empty() ? "" : " in " + config.file) + "): " + e.what() +
                             "; check the address and that the brokers are up");
  }
  int partitions = 0;
  for (const auto& t : config.kafka.topics) {
    auto it = counts.find(t);
    if (it == counts.end())
      throw std::runtime_error("input topic " + t + " does not exist in " +
                               config.kafka.bootstrap_servers);
    partitions = std::max(partitions, it->second);
  }
  const std::map<std::string, std::string> compacted = {{"cleanup.policy", "compact"}};
  std::vector<Internal> internal = {{repartition_topic(config.kafka.group_id), {}, partitions}};
  if (config.state.changelog)
    internal.push_back({changelog_topic(config.kafka.group_id), compacted, partitions});
  if (!config.notify.channels.empty())
    internal.push_back({silences_topic(config.kafka.group_id), compacted, 1, false});
  std::vector<const Internal*> missing;
  std::string create_error;
  for (const Internal& t : internal) {
    auto it = counts.find(t.name);
    if (it != counts.end()) {
      if (t.co_partitioned && it->second != partitions)
        throw std::runtime_error("topic " + t.name + " has " + std::to_string(it->second) +
                                 " partitions but the input " + "has " +
                                 std::to_string(partitions) +
                                 ": state would land in the wrong partitions. " +
                                 "Delete it (its state is lost) or use another kafka.group_id");
      continue;
    }
    std::string error = "state.create_topics is false";
    if (config.state.create_topics &&
        create_topic(rk, t.name, t.partitions, static_cast<int>(config.state.topic_replication),
                     t.configs, kAdminTimeout, error)) {
      spdlog::info("created topic {} ({} partitions{})", t.name, t.partitions,
                   t.configs.empty() ? "" : ", compacted");
      continue;
    }
    missing.push_back(&t);
    if (create_error.empty()) create_error = error;
  }
  if (!missing.empty())
    throw std::runtime_error(missing_topics_message(config, missing, create_error));
  return partitions;
}

void create_internal_topics(MockCluster& cluster, const std::string& group, int partitions,
                            int replication) {
  cluster.create_topic(repartition_topic(group), partitions, replication);
  cluster.create_topic(changelog_topic(group), partitions, replication);
  cluster.create_topic(silences_topic(group), 1, replication);
}

}  // namespace klaxon
