#include "source/topic_reader.h"

#include <algorithm>
#include <stdexcept>

namespace klaxon {

namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

std::vector<int32_t> partitions_of(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("cannot read the metadata of topic " + topic + ": " +
                             rd_kafka_err2str(err));
  std::vector<int32_t> out;
  std::string problem;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
      problem = rd_kafka_err2str(md->topics[i].err);
    for (int p = 0; p < md->topics[i].partition_cnt; ++p)
      out.push_back(md->topics[i].partitions[p].id);
  }
  rd_kafka_metadata_destroy(md);
  if (out.empty())
    throw std::runtime_error("topic " + topic + " has no partitions" +
                             (problem.empty() ? "" : ": " + problem));
  return out;
}

}  // namespace

TopicReader::TopicReader(TopicReaderOptions options) : options_(std::move(options)) {
  // A group id is needed by librdkafka's consumer API; nothing is ever committed to it.
  std::map<std::string, std::string> base = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"group.id", options_.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
      {"client.id", options_.client_id},
  };
  // It assigns partitions itself and never joins the group: the group's timings do not
  // apply (and max.poll.interval.ms below the default session.timeout.ms would be refused).
  std::map<std::string, std::string> properties = options_.properties;
  for (const char* group_only :
       {"group.id", "session.timeout.ms", "max.poll.interval.ms", "heartbeat.interval.ms",
        "partition.assignment.strategy", "group.instance.id", "enable.auto.commit"})
    properties.erase(group_only);
  // A fetch that is never answered (a connection that died without a reset) is retried on
  // a new connection well before `timeout` gives up on the records: librdkafka's 60 s would
  // not be.
  properties.try_emplace("socket.timeout.ms", std::to_string(std::clamp<int64_t>(
                                                  options_.timeout.count() / 3, 2000, 30'000)));
  RdKafkaConfPtr conf = make_kafka_conf(base, properties, "kafka.properties");
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  static_cast<void>(conf.release());
  rk_.reset(rk);
  const int timeout = static_cast<int>(options_.timeout.count());

  std::vector<int32_t> partitions = partitions_of(rk, options_.topic, timeout);
  if (options_.partition) {
    if (std::find(partitions.begin(), partitions.end(), *options_.partition) == partitions.end())
      throw std::runtime_error("topic " + options_.topic + " has no partition " +
                               std::to_string(*options_.partition));
    partitions = {*options_.partition};
  }
  PartitionList by_time(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t p : partitions) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, options_.topic.c_str(), p, &low, &high, timeout);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("cannot read the offsets of " + options_.topic + "/" +
                               std::to_string(p) + ": " + rd_kafka_err2str(e));
    watermarks_[p] = Watermarks{low, high};
    int64_t start = options_.from_offset ? std::max(low, *options_.from_offset) : low;
    int64_t end = options_.to_offset ? std::min(high, *options_.to_offset) : high;
    ranges_[p] = Range{start, end};
    if (options_.from_time_ms)
      rd_kafka_topic_partition_list_add(by_time.get(), options_.topic.c_str(), p)->offset =
          *options_.from_time_ms;
  }
  if (options_.from_time_ms) {
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, by_time.get(), timeout);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("cannot find the offsets of " + options_.topic +
                               " at the given time: " + rd_kafka_err2str(e));
    for (int i = 0; i < by_time->cnt; ++i) {
      if (by_time->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw std::runtime_error("cannot find the offset of " + options_.topic + "/" +
                                 std::to_string(by_time->elems[i].partition) +
                                 " at the given time: " + rd_kafka_err2str(by_time->elems[i].err));
      Range& r = ranges_[by_time->elems[i].partition];
      // -1: no record at or after that time, the partition has nothing to read.
      int64_t at = by_time->elems[i].offset;
      if (at < 0 && r.next < r.end) ++time_lookup_misses_;
      r.next = at < 0 ? r.end : std::max(r.next, at);
    }
  }
  PartitionList assignment(rd_kafka_topic_partition_list_new(static_cast<int>(ranges_.size())));
  for (const auto& [p, range] : std::map<int32_t, Range>(ranges_)) {
    bool empty = range.next >= range.end;
    if (empty) ranges_.erase(p);
    if (empty && !options_.follow) continue;
    if (!empty) total_ += static_cast<uint64_t>(range.end - range.next);
    rd_kafka_topic_partition_list_add(assignment.get(), options_.topic.c_str(), p)->offset =
        range.next;
  }
  if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, assignment.get());
      e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("cannot assign partitions: ") + rd_kafka_err2str(e));
}

OpenReader TopicReader::opener() {
  return [](const TopicReaderOptions& options) -> std::unique_ptr<RecordReader> {
    return std::make_unique<TopicReader>(options);
  };
}

TopicReader::~TopicReader() {
  if (rk_) rd_kafka_consumer_close(rk_.get());
}

bool TopicReader::next(RecordBatch& out, size_t max) {
  int wait = 500;
  auto quiet_since = std::chrono::steady_clock::now();
  while ((options_.follow || !ranges_.empty()) && out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), wait);
    if (m == nullptr) {
      if (out.size() > 0 || ranges_.empty()) break;
      // The records up to the end offsets exist; silence this long means Kafka is gone.
      if (std::chrono::steady_clock::now() - quiet_since > options_.timeout)
        throw std::runtime_error("no records from " + options_.topic + " for " +
                                 std::to_string(options_.timeout.count() / 1000) + " s, with " +
                                 std::to_string(ranges_.size()) +
                                 " partitions not read to their end");
      continue;
    }
    wait = 0;
    auto it = ranges_.find(m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (it != ranges_.end()) ranges_.erase(it);
      rd_kafka_message_destroy(m);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string error = rd_kafka_message_errstr(m);
      bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
      rd_kafka_message_destroy(m);
      if (fatal) throw std::runtime_error("Kafka: " + error);
      continue;  // transient; librdkafka retries
    }
    quiet_since = std::chrono::steady_clock::now();  // a record: Kafka answers
    bool past_end = it == ranges_.end() || m->offset >= it->second.end;
    if (past_end && !options_.follow) {
      // Past the end fixed at the start: the range is done, also when its last offsets
      // hold no record (compaction, transaction markers).
      if (it != ranges_.end()) ranges_.erase(it);
      rd_kafka_message_destroy(m);
      continue;
    }
    if (!past_end && m->offset + 1 >= it->second.end) ranges_.erase(it);
    out.push(m);
  }
  return options_.follow || !out.empty() || !ranges_.empty();
}

}  // namespace klaxon
