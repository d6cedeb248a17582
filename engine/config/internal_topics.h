// Names of the topics and directories klaxon keeps for itself, derived from the consumer
// group id as Kafka Streams derives them from its application id, so several engines
// (different groups) can share a cluster and a state directory.
#pragma once

#include <string>

namespace klaxon {

// The state store's name: in its directory and its changelog topic's name.
inline constexpr const char* kRulesStore = "rules";

// Matches on their way from the match stage to the state partition of their group.
inline std::string repartition_topic(const std::string& group) {
  return group + "-matches-repartition";
}
// The compacted backup of each state partition's store.
inline std::string changelog_topic(const std::string& group) {
  return group + "-" + kRulesStore + "-changelog";
}
// klaxon's own silences, keyed by id; compacted, one partition, read whole by every pod.
inline std::string silences_topic(const std::string& group) { return group + "-silences"; }
// state_dir/<group>/<store>/<partition>
inline std::string store_dir(const std::string& state_dir, const std::string& group,
                             int partition) {
  return state_dir + "/" + group + "/" + kRulesStore + "/" + std::to_string(partition);
}

}  // namespace klaxon
