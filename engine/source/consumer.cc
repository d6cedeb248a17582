#include "source/consumer.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace klaxon {

namespace {
std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> v;
  if (parts == nullptr) return v;
  for (int i = 0; i < parts->cnt; ++i)
    v.push_back(TopicPartition{parts->elems[i].topic, parts->elems[i].partition});
  return v;
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
}  // namespace

KafkaConsumer::KafkaConsumer(ConsumerOptions options, ConsumerListener& listener)
    : options_(std::move(options)), listener_(listener) {
  std::map<std::string, std::string> base = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"group.id", options_.group_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"auto.offset.reset", options_.auto_offset_reset},
      // At-least-once: offsets are stored by the pipeline only after a batch is durable,
      // and librdkafka commits what is stored on this timer.
      {"enable.auto.commit", "true"},
      {"enable.auto.offset.store", "false"},
      {"auto.commit.interval.ms", std::to_string(options_.commit_interval.count())},
      {"statistics.interval.ms", std::to_string(options_.stats_interval.count())},
      {"session.timeout.ms", std::to_string(options_.session_timeout.count())},
      // A member learns that its group rebalances from a heartbeat's answer, and on a real
      // broker a JoinGroup round ends when every member has rejoined: each round of a
      // hand-over (two, with cooperative-sticky) waits up to one interval. A tenth of the
      // session (1 s for 10 s) keeps a hand-over near the session timeout, for one small
      // request per second per pod.
      {"heartbeat.interval.ms",
       std::to_string(std::clamp<int64_t>(options_.session_timeout.count() / 10, 100, 3000))},
      // End-of-partition events tell the engine it has read all there is (caught_up()).
      {"enable.partition.eof", "true"},
      {"client.id", "klaxon"},
  };
  RdKafkaConfPtr conf = make_kafka_conf(base, options_.properties, "kafka.properties");
  PrefetchLimits limits = prefetch_limits(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::rebalance_cb);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaConsumer::commit_cb);
  rd_kafka_conf_set_stats_cb(conf.get(), &KafkaConsumer::stats_cb);

  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  static_cast<void>(conf.release());  // owned by rk now
  rk_.reset(rk);
  rd_kafka_poll_set_consumer(rk);

  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
  for (const auto& t : options_.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk, topics.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("cannot subscribe: ") + rd_kafka_err2str(e));
  nudger_ = std::make_unique<FetchNudger>(rk, limits);
  queue_ = rd_kafka_queue_get_consumer(rk);  // last: a reference held blocks rd_kafka_destroy
}

KafkaConsumer::~KafkaConsumer() {
  close();
  // librdkafka before 2.3.0 aborts in rd_kafka_destroy() when a cooperative-sticky member
  // joined its group but was stopped before its first assignment (librdkafka #4312, fixed
  // by #4381): a pod stopped during a long rebalance would die of SIGABRT. Closed, the
  // handle has left the group and holds nothing to commit; process exit reclaims it.
  if (!rebalanced_ && rd_kafka_version() < 0x020300ff) (void)rk_.release();
}

void KafkaConsumer::rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->on_rebalance(err, parts);
}

void KafkaConsumer::on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_t* rk = rk_.get();
  rebalanced_ = true;
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    start_new_partitions_at_end(parts);
    rd_kafka_error_t* e = nullptr;
    if (cooperative) {
      e = rd_kafka_incremental_assign(rk, parts);
    } else if (auto r = rd_kafka_assign(rk, parts); r != RD_KAFKA_RESP_ERR_NO_ERROR) {
      listener_.on_error(std::string("assign failed: ") + rd_kafka_err2str(r), false);
    }
    if (e != nullptr) {
      listener_.on_error(std::string("assign failed: ") + rd_kafka_error_string(e), false);
      rd_kafka_error_destroy(e);
    }
    for (int i = 0; i < parts->cnt; ++i) {
      revoked_in_poll_.erase({parts->elems[i].topic, parts->elems[i].partition});
      assigned_.insert({parts->elems[i].topic, parts->elems[i].partition});
    }
    listener_.on_assigned(to_vector(parts));
    return;
  }
  // Revoke: the listener finishes what it holds of these partitions and stores their
  // offsets while they are still assigned (stored after the unassign, they would be
  // refused); the commit then hands them over. Records of these partitions polled in the
  // current batch are dropped.
  bool lost = rd_kafka_assignment_lost(rk);
  listener_.on_revoked(to_vector(parts), lost);
  if (!lost) commit_sync();
  for (int i = 0; i < parts->cnt; ++i) {
    revoked_in_poll_.insert({parts->elems[i].topic, parts->elems[i].partition});
    assigned_.erase({parts->elems[i].topic, parts->elems[i].partition});
    at_end_.erase({parts->elems[i].topic, parts->elems[i].partition});
    committed_.erase({parts->elems[i].topic, parts->elems[i].partition});
  }
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
      listener_.on_error(std::string("unassign failed: ") + rd_kafka_error_string(e), false);
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void KafkaConsumer::start_new_partitions_at_end(rd_kafka_topic_partition_list_t* parts) {
  if (options_.start_new_at_end.empty()) return;
  PartitionList list(rd_kafka_topic_partition_list_new(parts->cnt));
  for (int i = 0; i < parts->cnt; ++i)
    if (std::find(options_.start_new_at_end.begin(), options_.start_new_at_end.end(),
                  parts->elems[i].topic) != options_.start_new_at_end.end())
      rd_kafka_topic_partition_list_add(list.get(), parts->elems[i].topic,
                                        parts->elems[i].partition);
  if (list->cnt == 0) return;
  if (rd_kafka_resp_err_t e = rd_kafka_committed(rk_.get(), list.get(), 10'000);
      e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Safe side: from the committed offsets, or the earliest.
    listener_.on_error(std::string("cannot read the committed offsets, so partitions never "
                                   "committed start at the earliest: ") +
                           rd_kafka_err2str(e),
                       false);
    return;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& el = list->elems[i];
    if (el.err != RD_KAFKA_RESP_ERR_NO_ERROR || el.offset >= 0) continue;
    if (auto* tp = rd_kafka_topic_partition_list_find(parts, el.topic, el.partition))
      tp->offset = RD_KAFKA_OFFSET_END;
  }
}

void KafkaConsumer::commit_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  // _NO_OFFSET: nothing new was stored since the last commit; not an event worth counting.
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    std::pair<std::string, int32_t> key{p.topic, p.partition};
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0 && self->assigned_.count(key))
      self->committed_[key] = p.offset;
  }
  self->listener_.on_commit(err == RD_KAFKA_RESP_ERR_NO_ERROR,
                            err == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2str(err));
}

int KafkaConsumer::stats_cb(rd_kafka_t*, char* json, size_t len, void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->report_lag(json, len);
  return 0;  // librdkafka frees json
}

void KafkaConsumer::report_lag(const char* json, size_t len) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json, len).get(root) != simdjson::SUCCESS) return;
  simdjson::dom::object topics;
  if (root["topics"].get(topics) != simdjson::SUCCESS) return;
  for (auto [topic_name, topic] : topics) {
    simdjson::dom::object partitions;
    if (topic["partitions"].get(partitions) != simdjson::SUCCESS) continue;
    for (auto [pid, p] : partitions) {
      if (pid == "-1") continue;  // librdkafka's internal unassigned partition
      bool desired = false;
      if (p["desired"].get(desired) != simdjson::SUCCESS || !desired) continue;
      int64_t lag = -1;
      // Lag against the stored (processed) offset when reported, else the committed one.
      if (p["consumer_lag_stored"].get(lag) != simdjson::SUCCESS &&
          p["consumer_lag"].get(lag) != simdjson::SUCCESS)
        continue;
      if (lag < 0) continue;
      int32_t partition = std::atoi(std::string(pid).c_str());
      listener_.on_lag(std::string(topic_name), partition, lag);
    }
  }
}

void KafkaConsumer::poll_batch(size_t max, std::chrono::milliseconds timeout, RecordBatch& out) {
  revoked_in_poll_.clear();
  int wait = static_cast<int>(timeout.count());
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), wait);
    if (m == nullptr) break;
    wait = 0;  // only the first record is waited for
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      std::pair<std::string, int32_t> tp{rd_kafka_topic_name(m->rkt), m->partition};
      if (assigned_.count(tp)) at_end_.insert(std::move(tp));
      rd_kafka_message_destroy(m);
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      listener_.on_error(rd_kafka_message_errstr(m), m->err == RD_KAFKA_RESP_ERR__FATAL);
      rd_kafka_message_destroy(m);
      continue;
    }
    if (!at_end_.empty()) at_end_.erase({rd_kafka_topic_name(m->rkt), m->partition});
    ++records_read_;
    bytes_read_ += m->len;
    out.push(m);
  }
  if (!revoked_in_poll_.empty()) out.drop(revoked_in_poll_);
  if (nudger_ && records_read_ > 0)
    nudger_->after_poll(rd_kafka_queue_length(queue_),
                        static_cast<double>(bytes_read_) / static_cast<double>(records_read_),
                        caught_up());
}

void KafkaConsumer::store_offsets(
    const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) {
  if (next_offsets.empty()) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, offset] : next_offsets)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  // Fails only for partitions no longer assigned; their new owner re-reads those records.
  rd_kafka_offsets_store(rk_.get(), list.get());
}

bool KafkaConsumer::commit_sync() {
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_.get(), nullptr, 0);
  // The commit callback reports the outcome; _NO_OFFSET means nothing new to commit.
  return e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR__NO_OFFSET;
}

KafkaConsumer::Membership KafkaConsumer::confirm_membership(std::chrono::milliseconds timeout) {
  if (rd_kafka_assignment_lost(rk_.get())) return Membership::fenced;
  // What the group has, committed again: a commit with nothing new would send no request,
  // and one of newer offsets would commit ahead of kafka.commit_interval. (When an
  // automatic commit's answer is still queued, this takes its partitions back by a few
  // offsets until the next one: records read again after a crash then, never skipped.)
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(committed_.size())));
  for (const auto& [key, offset] : committed_)
    rd_kafka_topic_partition_list_add(list.get(), key.first.c_str(), key.second)->offset = offset;
  if (list->cnt == 0) return Membership::unknown;
  // On a queue of its own, so that a coordinator that does not answer is waited for only
  // `timeout` (a synchronous commit would wait for it to come back).
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_.get());
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk_.get(), list.get(), queue, nullptr, nullptr);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()));
    if (ev == nullptr) {
      err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    } else {
      err = rd_kafka_event_error(ev);
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_event_topic_partition_list(ev);
      for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && parts && i < parts->cnt; ++i)
        err = parts->elems[i].err;
      rd_kafka_event_destroy(ev);
    }
  }
  rd_kafka_queue_destroy(queue);
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
    // Still a member: a partition moves only once its owner gave it up (cooperative), or
    // rejoined without it (eager).
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return Membership::confirmed;
    // The coordinator no longer knows the member: it was removed (a missed session or
    // max.poll.interval.ms). An older generation alone is no proof: it is what a member
    // that is rejoining still carries.
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
      return Membership::fenced;
    default:
      return Membership::unknown;
  }
}

size_t KafkaConsumer::set_paused(bool paused) {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_.get(), &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  PartitionList list(parts);
  if (list->cnt == 0) return 0;
  if (paused)
    rd_kafka_pause_partitions(rk_.get(), list.get());
  else
    rd_kafka_resume_partitions(rk_.get(), list.get());
  return static_cast<size_t>(list->cnt);
}

void KafkaConsumer::close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  nudger_.reset();
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
  queue_ = nullptr;
  commit_sync();
  rd_kafka_consumer_close(rk_.get());
}

std::string KafkaConsumer::cluster_id(std::chrono::milliseconds timeout) {
  char* id = rd_kafka_clusterid(rk_.get(), static_cast<int>(timeout.count()));
  if (id == nullptr) return "";
  std::string s(id);
  rd_kafka_mem_free(rk_.get(), id);
  return s;
}

bool KafkaConsumer::caught_up() const {
  return !assigned_.empty() && at_end_.size() == assigned_.size();  // at_end_ ⊆ assigned_
}

std::map<TopicPartition, int64_t> KafkaConsumer::committed(const std::vector<TopicPartition>& parts,
                                                           std::chrono::milliseconds timeout) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
  for (const auto& tp : parts)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  if (rd_kafka_resp_err_t e =
          rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()));
      e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("cannot read the committed offsets: ") +
                             rd_kafka_err2str(e));
  std::map<TopicPartition, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& el = list->elems[i];
    if (el.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error(std::string("cannot read the committed offset of ") + el.topic +
                               "/" + std::to_string(el.partition) + ": " +
                               rd_kafka_err2str(el.err));
    out[TopicPartition{el.topic, el.partition}] = el.offset < 0 ? -1 : el.offset;
  }
  return out;
}

std::vector<TopicPartition> KafkaConsumer::assignment() {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_.get(), &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  auto v = to_vector(parts);
  rd_kafka_topic_partition_list_destroy(parts);
  return v;
}

}  // namespace klaxon
