// KafkaConsumer: the source stage. Joins a consumer group (cooperative-sticky by default)
// and hands the pipeline batches of records.
//
// Offsets are never stored automatically: the pipeline calls store_offsets() once a
// batch's effects are durable. Stored offsets are committed by librdkafka on a timer
// (commit_interval), synchronously before partitions are revoked, and on close().
// Records of partitions revoked while a batch was being polled are dropped from that batch
// (their new owner reads them again), so a batch never holds records this consumer no
// longer owns.
//
// Thread: all calls from one thread (the pipeline thread). Rebalance, commit and stats
// callbacks run on that thread, inside poll_batch() and close().
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "source/fetch_nudger.h"
#include "source/kafka_conf.h"
#include "source/record.h"
#include "source/record_source.h"

namespace klaxon {

struct ConsumerOptions {
  std::string bootstrap_servers;
  std::string group_id;
  std::vector<std::string> topics;
  std::string auto_offset_reset = "earliest";
  // Partitions of these topics that the group never committed start at their end (latest),
  // whatever auto_offset_reset says for the others.
  std::vector<std::string> start_new_at_end;
  std::chrono::milliseconds commit_interval{1000};
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds stats_interval{5000};  // consumer-lag reports; 0 disables
  std::map<std::string, std::string> properties;   // librdkafka properties; win over the above
};

class KafkaConsumer : public RecordSource {
 public:
  // Throws LoadError for a bad property and std::runtime_error when the client cannot start.
  KafkaConsumer(ConsumerOptions options, ConsumerListener& listener);
  ~KafkaConsumer() override;
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Polls up to `max` records, waiting up to `timeout` for the first one. Errors that are
  // not records (partition EOF, transport errors) are reported to the listener, not returned.
  void poll_batch(size_t max, std::chrono::milliseconds timeout, RecordBatch& out) override;

  // Marks processing done up to (excluding) `next_offset` for each partition.
  void store_offsets(const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) override;

  // Commits the stored offsets now; returns false (and reports) on failure.
  bool commit_sync();

  // Whether the group still counts this consumer as the owner of its partitions, asked of
  // the coordinator by committing again the offsets this consumer last committed for them
  // (the commit names the member and its generation). A pod that stalled (a hung request, a
  // pause) may have been removed from the group while its partitions went to another pod:
  // what it still holds must not be published. fenced: the coordinator no longer knows this
  // member, or librdkafka saw the assignment lost; unknown: nothing committed since the assignment
  // to ask with, or no answer within `timeout`.
  Membership confirm_membership(std::chrono::milliseconds timeout) override;

  // Commits stored offsets and leaves the group. Idempotent.
  void close() override;

  // The Kafka cluster id, or "" when the cluster does not report one within `timeout`.
  std::string cluster_id(std::chrono::milliseconds timeout);

  // True when partitions are assigned and every one has been read to its end (no record
  // polled since its end-of-partition event). False while joining the group or catching up.
  bool caught_up() const override;

  // Stops (true) or restarts (false) fetching from every assigned partition, for
  // backpressure; the group membership stays alive as long as poll_batch() is called.
  // Partitions assigned later start unpaused: call again after a rebalance. Returns how
  // many partitions it applied to.
  size_t set_paused(bool paused) override;

  std::vector<TopicPartition> assignment();
  // The group's committed offsets of `parts` (-1 where none was committed: a first start).
  // Blocks up to `timeout`; throws std::runtime_error when the coordinator does not answer.
  std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& parts,
                                              std::chrono::milliseconds timeout) override;
  // Times fetching was nudged back on after the prefetch queue filled (see FetchNudger).
  uint64_t fetch_nudges() const { return nudger_ ? nudger_->nudges() : 0; }
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  // Before an assignment: never-committed partitions of start_new_at_end topics get
  // RD_KAFKA_OFFSET_END as their start.
  void start_new_partitions_at_end(rd_kafka_topic_partition_list_t* parts);
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);
  static void commit_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static int stats_cb(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  void report_lag(const char* json, size_t len);

  ConsumerOptions options_;
  ConsumerListener& listener_;
  RdKafkaPtr rk_;
  bool closed_ = false;
  bool rebalanced_ = false;  // a rebalance callback ran (see the destructor)
  std::set<std::pair<std::string, int32_t>> revoked_in_poll_;
  std::set<std::pair<std::string, int32_t>> assigned_;
  std::set<std::pair<std::string, int32_t>> at_end_;              // read to the end, nothing since
  std::map<std::pair<std::string, int32_t>, int64_t> committed_;  // of assigned partitions
  rd_kafka_queue_t* queue_ = nullptr;           // the consumer queue, for its length
  uint64_t records_read_ = 0, bytes_read_ = 0;  // for the records' average size
  std::unique_ptr<FetchNudger> nudger_;         // destroyed before rk_ (declared after it)
};

}  // namespace klaxon
