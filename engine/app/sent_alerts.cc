#include "app/sent_alerts.h"

#include <algorithm>

#include "source/topic_reader.h"

namespace klaxon {
namespace {

constexpr int64_t kFirstChunk = 256;

TopicReaderOptions chunk_options(const SentAlertsQuery& query, int32_t partition, int64_t from,
                                 int64_t to) {
  TopicReaderOptions o;
  o.bootstrap_servers = query.bootstrap_servers;
  o.properties = query.properties;
  o.topic = query.topic;
  o.partition = partition;
  o.from_offset = from;
  o.to_offset = to;
  o.timeout = query.timeout;
  o.client_id = "klaxon-sent-alerts";
  return o;
}

std::unique_ptr<RecordReader> open(const SentAlertsQuery& query,
                                   const TopicReaderOptions& options) {
  return query.open_reader ? query.open_reader(options) : std::make_unique<TopicReader>(options);
}

// Reads [from, to) of one partition; returns the oldest record timestamp seen (or INT64_MAX).
int64_t read_chunk(const SentAlertsQuery& query, int32_t partition, int64_t from, int64_t to,
                   SentAlerts& out) {
  std::unique_ptr<RecordReader> reader = open(query, chunk_options(query, partition, from, to));
  int64_t oldest = INT64_MAX;
  RecordBatch batch;
  while (reader->next(batch, 10'000)) {
    for (const Record& m : batch) {
      ++out.records_read;
      if (m.timestamp_ms >= 0) oldest = std::min(oldest, m.timestamp_ms);
      std::string_view id = m.header("klaxon.alert_id").value_or(std::string_view());
      if (id.empty()) continue;
      auto it = query.ids.find(std::string(id));
      if (it != query.ids.end()) out.found.insert(*it);
    }
    batch.clear();
  }
  return oldest;
}

}  // namespace

SentAlerts find_sent_alerts(const SentAlertsQuery& query) {
  SentAlerts out;
  if (query.ids.empty()) return out;
  const int64_t old_enough = query.oldest_queued_ms - query.clock_skew.count();
  // A reader of nothing: the partitions and their offsets.
  TopicReaderOptions none = chunk_options(query, 0, 0, 0);
  none.partition.reset();
  std::map<int32_t, Watermarks> partitions = open(query, none)->all_watermarks();
  for (const auto& [p, marks] : partitions) {
    int64_t to = marks.high, chunk = kFirstChunk, read = 0;
    while (to > marks.low && out.found.size() < query.ids.size()) {
      if (read >= query.max_records_per_partition) {
        out.complete = false;
        out.incomplete += (out.incomplete.empty() ? "" : ", ") + query.topic + "/" +
                          std::to_string(p) + " read back " + std::to_string(read) +
                          " records, none older than the oldest alert looked for";
        break;
      }
      int64_t from =
          std::max(marks.low, to - std::min(chunk, query.max_records_per_partition - read));
      int64_t oldest = read_chunk(query, p, from, to, out);
      read += to - from;
      if (oldest < old_enough) break;  // older than any alert looked for
      to = from;
      chunk = std::min(chunk * 4, query.max_records_per_partition);
    }
  }
  return out;
}

}  // namespace klaxon
