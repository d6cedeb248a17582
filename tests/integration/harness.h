// Shared pieces of the integration tests: a mock Kafka cluster with klaxon's topics, a
// temporary directory, producing and reading topics, committed offsets, HTTP GET, and
// an Engine running on its own thread. Everything talks to the real librdkafka mock
// cluster over loopback; nothing is faked.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "config/config.h"
#include "source/mock_cluster.h"

namespace klaxon::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Record {
  std::string key;
  std::string value;
  int32_t partition = -1;
  int64_t offset = -1;
  std::map<std::string, std::string> headers;
};

class KafkaCluster {
 public:
  KafkaCluster();
  std::string bootstrap() const { return cluster_.bootstrap_servers(); }
  // Produces and waits for acknowledgement; fails the test on error. `properties` go to the
  // producer (message.max.bytes for records above librdkafka's 1,000,000-byte default).
  void produce(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& kv,
               const std::map<std::string, std::string>& properties = {});
  // The same with the records' Kafka timestamp set (CreateTime): history written long ago.
  void produce_at(const std::string& topic,
                  const std::vector<std::pair<std::string, std::string>>& kv, int64_t timestamp_ms);
  // Reads the topic from the beginning until `count` records arrived or `timeout` passed.
  std::vector<Record> read(const std::string& topic, size_t count,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Reads everything currently in the topic (up to the high watermarks).
  std::vector<Record> read_all(const std::string& topic);
  // Committed offset per partition for the group (-1001 when none).
  std::map<int32_t, int64_t> committed(const std::string& group, const std::string& topic);
  // High watermark per partition.
  std::map<int32_t, int64_t> end_offsets(const std::string& topic);
  void create_topic(const std::string& topic, int partitions) {
    cluster_.create_topic(topic, partitions, 3);
  }
  MockCluster& mock() { return cluster_; }

 private:
  MockCluster cluster_;
};

// A config for tests: the cluster, a state dir, metrics on a free loopback port, fast commits.
Config test_config(const KafkaCluster& cluster, const TempDir& dir, const std::string& rules_path);

// Runs an Engine on a thread until stop().
class RunningEngine {
 public:
  explicit RunningEngine(const Config& config);
  ~RunningEngine();
  void stop();
  Engine& engine() { return *engine_; }
  // Waits until pred(stats) holds; false on timeout.
  bool wait(const std::function<bool(const PipelineStats&)>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string error() const { return error_; }

 private:
  std::unique_ptr<Engine> engine_;
  std::thread thread_;
  std::string error_;
};

// Blocking HTTP/1.1 GET against 127.0.0.1:port; returns the status line's code and body.
int http_get(int port, const std::string& path, std::string& body);
// Same with any method and a JSON body.
int http_request(int port, const std::string& method, const std::string& path,
                 const std::string& request_body, std::string& body);
// metric_value() of what GET /metrics on `port` serves now; -1 when it does not answer.
double scrape_metric(int port, const std::string& metric,
                     const std::vector<std::string>& labels = {});

// The start of a `klaxon run` config for a child process: the cluster (quick rebalances),
// rules/pay.yaml, state under `dir`, metrics on `metrics_port`. Sections to add follow.
std::string child_config_yaml(const KafkaCluster& kafka, const TempDir& dir, int metrics_port);

// Sum of every sample of `metric` whose labels contain all of `labels` ("k=\"v\"" strings).
double metric_value(const std::string& exposition, const std::string& metric,
                    const std::vector<std::string>& labels = {});

std::string source_path(const std::string& relative);

// Polls `pred` every 100 ms until it holds; false after `seconds`.
bool wait_until(const std::function<bool()>& pred, int seconds = 20);

// `count` generated pay logs (klaxon generate's generator) as key/value pairs, event times
// from `start_ms`, 20% errors; the distinct bugs of the stack traces go into `bugs`.
std::vector<std::pair<std::string, std::string>> pay_traffic(uint64_t seed, int64_t start_ms,
                                                             int count = 1500,
                                                             std::set<std::string>* bugs = nullptr);

// A loopback TCP port that was free a moment ago.
int free_port();
std::string slurp(const std::string& file);

// `klaxon <args>` through the shell (args may redirect), waited for; its exit status and
// output. Needs the test target to depend on the klaxon binary.
struct CliResult {
  int status = -1;
  std::string out, err;
};
CliResult run_klaxon(const TempDir& dir, const std::string& args);

// `klaxon <command> --config <config>` (run, sink-es) as a child process, its log appended
// to `log`.
class Child {
 public:
  Child(const std::string& config, const std::string& log, const std::string& command = "run",
        const std::vector<std::string>& extra_args = {});
  ~Child();  // SIGKILL when still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Sends the signal and returns the exit status (or -signal).
  int kill(int sig);
  bool running() const { return pid_ > 0; }
  // Whether it ended by itself (not waited for by kill()): its status (or -signal), once.
  std::optional<int> exited();

 private:
  int pid_ = -1;
};

// Any program as a child process (a test server), stdout and stderr to `output`.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& output);
  ~Process();  // SIGKILL when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Waits until its output contains `text`; false on timeout or exit.
  bool wait_output(const std::string& text,
                   std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends the signal and waits for the exit: its status (or -signal).
  int kill(int sig);
  // Sends the signal only.
  void signal(int sig) const;
  // Has not exited.
  bool running();
  std::string output() const { return slurp(output_); }

 private:
  int pid_ = -1;
  std::string output_;
};

}  // namespace klaxon::testing
