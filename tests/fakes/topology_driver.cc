#include "fakes/topology_driver.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "app/engine.h"
#include "config/internal_topics.h"
#include "core/json_writer.h"
#include "core/time.h"

namespace klaxon::fakes {

namespace {
std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

std::string logstash_event(int64_t time_ms, const std::string& host, const std::string& message,
                           const std::vector<std::string>& tags) {
  std::string tag_list;
  for (const auto& t : tags) tag_list += (tag_list.empty() ? "" : ",") + json_string(t);
  return "{\"@timestamp\":\"" + format_timestamp_ms(time_ms) +
         "\",\"type\":\"pay-biz\",\"host\":" + json_string(host) + ",\"tags\":[" + tag_list +
         "],\"message\":" + json_string(message) + "}";
}

// --- Pod

Pod::Pod(TopologyDriver& driver, const std::string& name)
    : config_(driver.config_),
      probe_(registry_),
      state_probe_(registry_),
      sink_(driver.kafka_, driver.clock_) {
  config_.state.dir = driver.dir_ + "/" + name;
  PipelineIo io{sink_,
                [this, &driver](ConsumerListener& listener) -> std::unique_ptr<RecordSource> {
                  auto source =
                      std::make_unique<FakeSource>(driver.kafka_, config_.kafka.group_id, listener);
                  source_ = source.get();
                  return source;
                },
                FakeReader::opener(driver.kafka_),
                driver.options_.state_partitions,
                "in-memory-cluster",
                driver.clock_};
  pipeline_ = std::make_unique<Pipeline>(config_, driver.matcher_, io, probe_, state_probe_);
}

Pod::~Pod() {
  if (pipeline_) crash(false);
}

void Pod::step(int turns) {
  for (int i = 0; i < turns; ++i)
    if (!pipeline_->poll_once()) pipeline_->finish();  // throws what failed
}

void Pod::stop() {
  pipeline_->request_stop();
  pipeline_->finish();
  pipeline_.reset();
}

void Pod::crash(bool written) {
  source_->crash();
  sink_.crash(written);
  pipeline_.reset();
}

// --- TopologyDriver

TopologyDriver::TopologyDriver(const std::string& rules_yaml, const DriverOptions& options)
    : options_(options), clock_(options.wall_ms) {
  std::string pattern = "/tmp/klaxon-driver-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  std::ofstream(dir_ + "/rules.yaml") << rules_yaml;
  config_.rules.path = dir_ + "/rules.yaml";
  config_.state.sync = false;
  config_.metrics.listen = "";
  config_.alert.log_alerts = false;
  config_.kafka.poll_timeout = std::chrono::milliseconds(0);
  config_.kafka.topics = options.input_topics;
  matcher_ = load_matcher(config_.rules.path);
  const std::string& group = config_.kafka.group_id;
  for (const auto& t : config_.kafka.topics) kafka_.create_topic(t, options.input_partitions);
  kafka_.create_topic(repartition_topic(group), options.state_partitions);
  kafka_.create_topic(changelog_topic(group), options.state_partitions);
  kafka_.create_topic(config_.kafka.alerts_topic, 3);
  kafka_.create_topic(config_.kafka.dead_letter_topic, 1);
}

TopologyDriver::~TopologyDriver() {
  if (std::getenv("KLAXON_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::unique_ptr<Pod> TopologyDriver::start_pod(const std::string& name) {
  return std::make_unique<Pod>(*this, name);
}

void TopologyDriver::wipe_disk(const std::string& name) {
  std::filesystem::remove_all(dir_ + "/" + name);
}

std::vector<TopicPartition> TopologyDriver::input_partitions() const {
  std::vector<TopicPartition> out;
  for (const auto& t : config_.kafka.topics)
    for (int32_t p = 0; p < options_.input_partitions; ++p) out.push_back({t, p});
  return out;
}

std::vector<TopicPartition> TopologyDriver::state_partitions() const {
  std::vector<TopicPartition> out;
  for (int32_t p = 0; p < options_.state_partitions; ++p)
    out.push_back({repartition_topic(config_.kafka.group_id), p});
  return out;
}

std::vector<TopicPartition> TopologyDriver::all_partitions() const {
  std::vector<TopicPartition> out = input_partitions();
  for (const auto& tp : state_partitions()) out.push_back(tp);
  return out;
}

void TopologyDriver::produce_event(int32_t partition, const std::string& json,
                                   int64_t kafka_timestamp_ms, const std::string& topic) {
  kafka_.append(
      topic.empty() ? config_.kafka.topics.front() : topic, partition,
      StoredRecord{
          "", json, false, kafka_timestamp_ms < 0 ? clock_.wall_ms() : kafka_timestamp_ms, {}});
}

std::vector<Alert> TopologyDriver::alerts() const {
  std::vector<Alert> out;
  const std::string& topic = config_.kafka.alerts_topic;
  for (int32_t p = 0; p < kafka_.partitions(topic); ++p)
    for (const StoredRecord& r : kafka_.log(topic, p)) {
      Alert a;
      if (!from_json(r.value, a)) throw std::runtime_error("not an alert: " + r.value);
      out.push_back(std::move(a));
    }
  return out;
}

std::vector<StoredRecord> TopologyDriver::dead_letters() const {
  std::vector<StoredRecord> out;
  const std::string& topic = config_.kafka.dead_letter_topic;
  for (int32_t p = 0; p < kafka_.partitions(topic); ++p)
    for (const StoredRecord& r : kafka_.log(topic, p)) out.push_back(r);
  return out;
}

int64_t TopologyDriver::committed(const std::string& topic, int32_t partition) const {
  return kafka_.committed(config_.kafka.group_id, {topic, partition});
}

}  // namespace klaxon::fakes
