// TopologyDriver: the whole engine (Pipeline: decode, match, repartition, state, outbox,
// alerts topic, dead letters, commits) on in-memory fakes of its I/O and a manual clock, in
// the spirit of Kafka Streams' TopologyTestDriver. A test writes records, hands partitions to
// pods, takes them back, crashes pods, moves time, and reads the alerts topic, the dead
// letters and the committed offsets: exact, deterministic, in milliseconds.
//
// A pod is one `klaxon run` process: its own state directory, consumer and producer. Crashing
// one drops everything it held in memory (and, as a SIGKILL, what its producer had not had
// acknowledged, or, `written`, lets the broker keep it); its disk stays unless wiped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "app/pipeline.h"
#include "fakes/in_memory_kafka.h"
#include "metrics/pipeline_probe.h"
#include "metrics/state_probe.h"

namespace klaxon::fakes {

struct DriverOptions {
  int input_partitions = 3;
  int state_partitions = 3;
  int64_t wall_ms = 1'796'083'200'000;  // 2026-12-01T00:00:00Z
  std::vector<std::string> input_topics = {"pay_log_topic"};
};

class TopologyDriver;

class Pod {
 public:
  Pod(TopologyDriver& driver, const std::string& name);
  ~Pod();
  Pod(const Pod&) = delete;
  Pod& operator=(const Pod&) = delete;

  // Partitions handed over by the group, at the pod's next poll.
  void assign(const std::vector<TopicPartition>& parts) { source_->assign(parts); }
  void revoke(const std::vector<TopicPartition>& parts) { source_->revoke(parts); }
  void lose(const std::vector<TopicPartition>& parts) { source_->lose(parts); }
  // Turns of the pipeline's loop (poll, process, commit what is due).
  void step(int turns = 1);
  // SIGTERM: the batch in hand finishes, state and offsets are committed, partitions revoked.
  void stop();
  // SIGKILL: nothing more is written or committed. `written`: records the producer had sent
  // but not seen acknowledged were written by the broker all the same.
  void crash(bool written = false);

  Pipeline& pipeline() { return *pipeline_; }
  FakeSource& source() { return *source_; }
  FakeSink& sink() { return sink_; }
  const std::string& state_dir() const { return config_.state.dir; }

 private:
  Config config_;
  prometheus::Registry registry_;
  PipelineProbe probe_;
  StateProbe state_probe_;
  FakeSink sink_;
  FakeSource* source_ = nullptr;  // owned by the pipeline
  std::unique_ptr<Pipeline> pipeline_;
};

class TopologyDriver {
 public:
  // The rules as a rule file's YAML.
  explicit TopologyDriver(const std::string& rules_yaml, const DriverOptions& options = {});
  ~TopologyDriver();

  // Adjust before starting pods (input topics: in the constructor's options).
  Config& config() { return config_; }
  InMemoryKafka& kafka() { return kafka_; }
  const InMemoryKafka& kafka() const { return kafka_; }
  ManualClock& clock() { return clock_; }

  // A pod named `name` (its state directory: <tmp>/<name>).
  std::unique_ptr<Pod> start_pod(const std::string& name);
  void wipe_disk(const std::string& name);

  // Every partition the group's members may be given.
  std::vector<TopicPartition> all_partitions() const;
  std::vector<TopicPartition> input_partitions() const;
  std::vector<TopicPartition> state_partitions() const;

  // A Logstash-JSON event to an input topic (the first: config().kafka.topics), with its
  // Kafka timestamp (-1: the clock's).
  void produce_event(int32_t partition, const std::string& json, int64_t kafka_timestamp_ms = -1,
                     const std::string& topic = "");
  std::vector<Alert> alerts() const;
  std::vector<StoredRecord> dead_letters() const;
  int64_t committed(const std::string& topic, int32_t partition) const;
  const std::shared_ptr<const Matcher>& matcher() const { return matcher_; }
  const std::string& dir() const { return dir_; }

 private:
  DriverOptions options_;
  std::string dir_;
  Config config_;
  InMemoryKafka kafka_;
  ManualClock clock_;
  std::shared_ptr<const Matcher> matcher_;
  friend class Pod;
};

// A Logstash event: "@timestamp" at `time_ms`, and the fields given.
std::string logstash_event(int64_t time_ms, const std::string& host, const std::string& message,
                           const std::vector<std::string>& tags = {});

}  // namespace klaxon::fakes
