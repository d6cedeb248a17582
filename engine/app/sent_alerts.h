// Which alerts are already on the alerts topic: read back when a state partition opens with
// alerts still in its outbox. Those were produced and acknowledged, but their removal from
// the outbox was not committed before the previous owner stopped (a crash, or a lost
// partition); they are removed instead of being sent a second time.
//
// Each partition of the topic is read backwards from its end, by offset, in growing
// chunks, until every id looked for was found, or the records are older than the oldest
// alert entered the outbox (less `clock_skew`), or the partition's start, or
// `max_records_per_partition`. Offsets are not looked up by time: librdkafka's mock cluster
// does not answer that, and a real topic's timestamps may be the broker's. Ids come from
// the `klaxon.alert_id` header.
// Thread: any; blocks while it reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "source/record_reader.h"

namespace klaxon {

struct SentAlertsQuery {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
  std::string topic;
  std::set<std::string> ids;     // the alerts looked for
  int64_t oldest_queued_ms = 0;  // wall clock when the oldest of them entered the outbox
  std::chrono::milliseconds clock_skew{5 * 60 * 1000};  // between pods' clocks and the broker's
  int64_t max_records_per_partition = 100'000;
  std::chrono::milliseconds timeout{15000};
  OpenReader open_reader;  // null: Kafka's TopicReader
};

struct SentAlerts {
  std::set<std::string> found;  // the ids looked for that are on the topic
  // Every partition was searched far enough back: an id not found was not produced.
  bool complete = true;
  std::string incomplete;  // when not: which partitions stopped early, for the log
  uint64_t records_read = 0;
};

// Throws std::runtime_error when the topic cannot be read.
SentAlerts find_sent_alerts(const SentAlertsQuery& query);

}  // namespace klaxon
