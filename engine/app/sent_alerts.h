// Which alerts are already on the alerts topic: read back when a state partition opens with
// alerts still in its outbox. Those were produced and acknowledged, but their removal from
// the outbox was not committed before the previous owner stopped (a crash, or a lost
// partition); they are removed instead of being sent a second time. The ids are read from
// the `klaxon.alert_id` header of the records of the last `lookback`.
// Thread: any; blocks while it reads.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace klaxon {

struct SentAlertsQuery {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
  std::string topic;
  std::chrono::milliseconds lookback{15 * 60 * 1000};
  std::chrono::milliseconds timeout{15000};
};

// Throws std::runtime_error when the topic cannot be read.
std::set<std::string> sent_alert_ids(const SentAlertsQuery& query);

}  // namespace klaxon
