#include "state/changelog.h"

#include <memory>
#include <optional>
#include <stdexcept>

#include "source/topic_reader.h"

namespace klaxon {

namespace {
// Restored changes are written to the store in chunks of about this many keys.
constexpr size_t kRestoreChunk = 20'000;
}  // namespace

size_t ChangelogWriter::send(StateStore& store, int32_t partition) {
  size_t sent = store.visit_changes([&](std::string_view key, const std::string_view* value) {
    // A null value (an erased key) is Kafka's tombstone: compaction removes the key.
    writer_.send(key, value ? *value : std::string_view(nullptr, 0), {}, partition);
  });
  if (sent == 0) return 0;
  writer_.send(kMarkerKey, "1", {}, partition);
  records_ += sent + 1;
  return sent + 1;
}

namespace {

std::unique_ptr<RecordReader> open_reader(const RestoreOptions& options,
                                          std::optional<int64_t> from) {
  TopicReaderOptions o;
  o.bootstrap_servers = options.bootstrap_servers;
  o.properties = options.properties;
  o.topic = options.topic;
  o.partition = options.partition;
  o.from_offset = from;
  o.timeout = options.timeout;
  o.client_id = "klaxon-restore";
  return options.open_reader ? options.open_reader(o) : std::make_unique<TopicReader>(o);
}

}  // namespace

RestoreProgress restore_store(StateStore& store, const RestoreOptions& options,
                              const std::function<void(const RestoreProgress&)>& progress) {
  RestoreProgress p;
  std::string identity;
  int64_t checkpoint = -1;
  bool has_checkpoint = store.checkpoint(identity, checkpoint);
  bool ours = has_checkpoint && identity == options.identity;
  std::unique_ptr<RecordReader> reader =
      open_reader(options, ours ? std::optional<int64_t>(checkpoint + 1) : std::nullopt);
  Watermarks w = reader->watermarks(options.partition);
  // The local copy is usable when it mirrors this changelog and what follows its
  // checkpoint is still in the log. Else it is dropped and the whole log replayed.
  bool usable = ours && checkpoint + 1 >= w.low && checkpoint < w.high;
  if (!usable) {
    bool blank =
        !has_checkpoint && store.estimated_groups() == 0 && store.pending_alert_count() == 0;
    if (!blank) {
      store.wipe();
      p.wiped = true;
    }
    if (ours) reader = open_reader(options, std::nullopt);
  }
  p.from = usable ? checkpoint + 1 : w.low;
  p.end = w.high;
  p.position = p.from;

  std::vector<StateStore::Change> pending, ready;
  int64_t ready_offset = -1;
  auto apply_ready = [&] {
    if (ready.empty() && ready_offset < 0) return;
    if (rocksdb::Status s = store.restore(ready, options.identity, ready_offset); !s.ok())
      throw std::runtime_error("restoring " + options.identity + ": " + s.ToString());
    ready.clear();
    ready_offset = -1;
  };
  auto last_report = std::chrono::steady_clock::now();
  RecordBatch batch;
  while (reader->next(batch, 10'000)) {
    for (const Record& m : batch) {
      p.position = m.offset + 1;
      ++p.records;
      std::string_view key = m.key;
      if (key == kMarkerKey) {
        // A complete batch: everything since the previous marker is applied.
        for (auto& c : pending) ready.push_back(std::move(c));
        pending.clear();
        ready_offset = m.offset;
        ++p.batches;
        if (ready.size() >= kRestoreChunk) apply_ready();
        continue;
      }
      StateStore::Change c{std::string(key), std::nullopt};
      if (!m.tombstone) c.value.emplace(m.value);
      pending.push_back(std::move(c));
    }
    batch.clear();
    if (std::chrono::steady_clock::now() - last_report >= options.progress_interval) {
      last_report = std::chrono::steady_clock::now();
      progress(p);
    }
  }
  apply_ready();
  // Changes after the last marker belong to a batch whose writer died before finishing it;
  // its input was not committed and is processed again.
  p.done = true;
  progress(p);
  return p;
}

}  // namespace klaxon
