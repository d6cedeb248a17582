#include "app/silence_feed.h"

#include <spdlog/spdlog.h>

#include "config/internal_topics.h"
#include "core/time.h"

namespace klaxon {

TopicReaderOptions silences_reader_options(const Config& config, bool follow) {
  TopicReaderOptions o;
  o.bootstrap_servers = config.kafka.bootstrap_servers;
  o.properties = config.kafka.properties;
  o.topic = silences_topic(config.kafka.group_id);
  o.client_id = config.kafka.group_id + "-silences-reader";
  o.follow = follow;
  // Consumer-group settings of kafka.properties mean nothing to a reader without a group.
  for (const char* key : {"group.id", "group.instance.id", "auto.offset.reset",
                          "enable.auto.commit", "partition.assignment.strategy"})
    o.properties.erase(key);
  return o;
}

bool apply_silence_record(SilenceStore& store, const Record& m, std::string& error) {
  std::optional<std::string_view> value;
  if (!m.tombstone) value = m.value;
  return store.apply(m.key, value, error);
}

SilenceFeed::SilenceFeed(const Config& config, SilenceStore& store, NotifyProbe& probe)
    : topic_(silences_topic(config.kafka.group_id)),
      store_(store),
      probe_(probe),
      reader_(silences_reader_options(config, true)) {
  while (!reader_.caught_up()) read_some();
  spdlog::info("silences: {} read from {}", store_.all().size(), topic_);
  thread_ = std::thread([this] { follow(); });
}

SilenceFeed::~SilenceFeed() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void SilenceFeed::read_some() {
  batch_.clear();
  reader_.next(batch_, 500);
  for (const Record& m : batch_) {
    std::string id(m.key);
    std::string error;
    if (!apply_silence_record(store_, m, error))
      spdlog::warn("silences: ignored record {}/{} (key {}): {}", topic_, m.offset, id, error);
    else if (reader_.caught_up())  // news, not the history read at start
      spdlog::info("silence {}: {}", id, m.tombstone ? "removed" : describe(*store_.find(id)));
  }
  auto counts = store_.count_by_state(now_ms());
  probe_.set_silences(counts["active"], counts["pending"], counts["expired"]);
}

void SilenceFeed::follow() {
  while (!stop_.load()) {
    try {
      read_some();
    } catch (const std::exception& e) {
      spdlog::error("silences: cannot read {}: {}; retrying", topic_, e.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace klaxon
