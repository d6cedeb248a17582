// klaxon-bench --state-keys N: the partitioned state's cost, measured the way the engine
// pays it. N rule groups (a GroupState and a timer each, as an `any` rule grouped by
// fingerprint keeps them) are written through StateStore batches and their changelog into
// librdkafka's mock cluster, spread over enough partitions that none exceeds the mock's
// ~5 MiB; then fresh stores restore them all from the changelog. First, with no cluster in
// the process, all partitions' stores hold the N groups at once to measure the resident set
// a pod needs for them. Prints one JSON object.
#include "state_bench.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/hash.h"
#include "source/mock_cluster.h"
#include "source/producer.h"
#include "state/changelog.h"
#include "state/codec.h"

namespace klaxon {

namespace {

uint64_t directory_bytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

namespace {

const std::string kStateId = "pay-exception-stack@any@0123456789abcdef";
const int64_t kT0 = 1795515330000;

// Writes group i as an `any` rule grouped by fingerprint keeps it: its GroupState and timer.
// Returns the bytes of key and value the changelog carries for it.
size_t put_group(StateStore& store, size_t i, std::string& value) {
  GroupState g;
  g.count = 3;
  g.first_seen_ms = kT0 + static_cast<int64_t>(i);
  g.last_seen_ms = g.last_alert_ms = g.first_seen_ms + 60'000;
  g.request_ids = {hex64(fnv1a64(std::to_string(i)))};
  g.timer_due_ms = g.last_seen_ms + 86'400'000;
  std::string key = state_codec::group_key(kStateId, hex64(fnv1a64("bug" + std::to_string(i))));
  state_codec::encode_group(g, value);
  std::string timer = state_codec::timer_key(g.timer_due_ms, key);
  store.put(key, value);
  store.put(timer, "");
  store.add_groups(1);
  return key.size() + value.size() + timer.size();
}

size_t first_of(size_t keys, int p, int partitions) {
  return keys * static_cast<size_t>(p) / static_cast<size_t>(partitions);
}

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return 0;
}

size_t file_count(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

int run_state_bench(size_t keys, int live_partitions, int partitions, const std::string& work_dir) {
  std::string value;
  StoreMemory memory = StoreMemory::shared(128 << 20);  // the engine's default state.memory_mb

  // 1. The engine's memory with N live groups: a pod that owns all `live_partitions` input
  // partitions (pay_log_topic has 3) keeps their stores open at once, sharing one cache and
  // memtable budget. No cluster is in the process yet, so its resident set is the stores'.
  long rss_before_kib = status_kib("VmRSS:");
  double live_write_seconds = 0;
  long live_rss_kib = 0;
  size_t live_files = 0;
  uint64_t live_bytes = 0;
  {
    auto started = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<StateStore>> stores;
    for (int p = 0; p < live_partitions; ++p) {
      stores.push_back(std::make_unique<StateStore>(
          StateOptions{work_dir + "/live/" + std::to_string(p), false, memory}));
      StateStore& store = *stores.back();
      for (size_t i = first_of(keys, p, live_partitions);
           i < first_of(keys, p + 1, live_partitions);) {
        size_t end = std::min(first_of(keys, p + 1, live_partitions), i + 10'000);
        for (; i < end; ++i) put_group(store, i, value);
        if (rocksdb::Status s = store.commit_batch(); !s.ok())
          throw std::runtime_error(s.ToString());
      }
    }
    live_write_seconds = seconds_since(started);
    // Read every group back once, as timers and late matches do, so the cache is warm.
    size_t found = 0;
    for (int p = 0; p < live_partitions; ++p)
      for (size_t i = first_of(keys, p, live_partitions);
           i < first_of(keys, p + 1, live_partitions); ++i)
        found += stores[static_cast<size_t>(p)]->get(
            state_codec::group_key(kStateId, hex64(fnv1a64("bug" + std::to_string(i)))), value);
    if (found != keys) throw std::runtime_error("groups lost in the live stores");
    live_rss_kib = status_kib("VmRSS:");
    live_files = file_count(work_dir + "/live");
    live_bytes = directory_bytes(work_dir + "/live");
  }
  std::filesystem::remove_all(work_dir + "/live");

  // 2. The changelog: written in poll-sized batches, then restored into fresh stores.
  MockCluster cluster(3);
  const std::string topic = "bench-rules-changelog";
  cluster.create_topic(topic, partitions, 1);
  KafkaProducer producer(ProducerOptions{cluster.bootstrap_servers(), {}});
  ChangelogWriter writer(producer, topic);
  uint64_t changelog_bytes = 0;
  auto write_started = std::chrono::steady_clock::now();
  for (int p = 0; p < partitions; ++p) {
    StateStore store(StateOptions{work_dir + "/written/" + std::to_string(p), false, memory});
    for (size_t i = first_of(keys, p, partitions); i < first_of(keys, p + 1, partitions);) {
      size_t end = std::min(first_of(keys, p + 1, partitions), i + 10'000);
      for (; i < end; ++i) changelog_bytes += put_group(store, i, value);
      writer.send(store, p);
      std::string error;
      if (!writer.wait(std::chrono::seconds(60), error)) throw std::runtime_error(error);
      store.stage_checkpoint(topic + "/" + std::to_string(p), writer.marker_offset(p));
      if (rocksdb::Status s = store.commit_batch(); !s.ok()) throw std::runtime_error(s.ToString());
    }
  }
  double write_seconds = seconds_since(write_started);

  auto restore_started = std::chrono::steady_clock::now();
  uint64_t records = 0, groups = 0;
  for (int p = 0; p < partitions; ++p) {
    StateStore store(StateOptions{work_dir + "/restored/" + std::to_string(p), false, memory});
    RestoreOptions r;
    r.bootstrap_servers = cluster.bootstrap_servers();
    r.topic = topic;
    r.partition = p;
    r.identity = "bench/" + topic + "/" + std::to_string(p);
    RestoreProgress done = restore_store(store, r, [](const RestoreProgress&) {});
    records += done.records;
    groups += store.estimated_groups();
  }
  double restore_seconds = seconds_since(restore_started);
  std::printf(
      "{\"keys\": %zu, \"live_partitions\": %d, \"partitions\": %d, \"live_write_seconds\": %.3f, "
      "\"live_rss_mb\": %.1f, \"live_rss_growth_mb\": %.1f, \"live_store_files\": %zu, "
      "\"store_bytes_per_key\": %.1f, \"changelog_write_seconds\": %.3f, "
      "\"restore_seconds\": %.3f, \"restore_records\": %llu, \"groups_restored\": %llu, "
      "\"changelog_bytes_per_key\": %.1f}\n",
      keys, live_partitions, partitions, live_write_seconds, live_rss_kib / 1024.0,
      (live_rss_kib - rss_before_kib) / 1024.0, live_files,
      static_cast<double>(live_bytes) / static_cast<double>(keys), write_seconds, restore_seconds,
      static_cast<unsigned long long>(records), static_cast<unsigned long long>(groups),
      static_cast<double>(changelog_bytes) / static_cast<double>(keys));
  return groups == keys ? 0 : 1;
}

}  // namespace klaxon
