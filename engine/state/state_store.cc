#include "state/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "state/codec.h"

namespace klaxon {

namespace codec = state_codec;

namespace {

// The end of a key prefix's range: the prefix with its last byte incremented (every
// prefix here ends in 0x1f, so no carry is needed).
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

rocksdb::Options make_options(const StoreMemory& memory = {}) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = memory.block_cache ? memory.block_cache : rocksdb::NewLRUCache(32 << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;

  rocksdb::Options options;
  options.create_if_missing = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.write_buffer_size = memory.write_buffers ? 8 << 20 : 16 << 20;
  if (memory.write_buffers) options.write_buffer_manager = memory.write_buffers;
  options.max_background_jobs = 2;
  options.max_open_files = 512;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 8 << 20;
  options.max_manifest_file_size = 64 << 20;
  return options;
}

}  // namespace

StoreMemory StoreMemory::shared(size_t bytes) {
  StoreMemory m;
  m.block_cache = rocksdb::NewLRUCache(bytes);
  m.write_buffers = std::make_shared<rocksdb::WriteBufferManager>(bytes / 2, m.block_cache);
  return m;
}

struct StateStore::Impl {
  StateOptions options;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;

  // Committed number of group keys; read from any thread.
  std::atomic<uint64_t> groups{0};

  // The current batch: pipeline thread only. overwrite_key: a key written twice in one
  // batch keeps only its last value, so the batch stays as small as the distinct keys.
  rocksdb::WriteBatchWithIndex batch{rocksdb::BytewiseComparator(), 0, true};
  int64_t group_delta = 0;
  std::optional<uint64_t> staged_groups;                 // the count this batch writes, once folded
  std::unordered_map<std::string, uint64_t> staged_ids;  // alert id -> outbox sequence
  std::unordered_map<std::string, int64_t> staged_offsets;   // offset key -> offset
  mutable std::unordered_map<std::string, int64_t> applied;  // offset key -> committed offset
  uint64_t next_seq = 0;
  // Sequences of the committed outbox entries. Removed entries leave tombstones until a
  // compaction; reading from the oldest live one skips those of alerts long delivered.
  std::set<uint64_t> outbox;
  std::vector<std::pair<uint64_t, bool>> staged_outbox;  // sequence, added (else removed)

  [[noreturn]] void fail_read(std::string_view what, const rocksdb::Status& s) const {
    throw std::runtime_error("state store " + options.dir + ": cannot read " + std::string(what) +
                             ": " + s.ToString());
  }

  void open() {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec)
      throw std::runtime_error("cannot open state directory " + options.dir + ": " + ec.message());
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(make_options(options.memory), options.dir, &raw);
    if (!s.ok())
      throw std::runtime_error("cannot open state directory " + options.dir + ": " + s.ToString());
    db.reset(raw);
    write_options.sync = options.sync;
    load_outbox();
    load_group_count();
  }

  // The outbox's sequences; the next one follows the newest entry still in the outbox.
  void load_outbox() {
    std::string end = prefix_end(codec::kOutboxPrefix);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    outbox.clear();
    uint64_t seq;
    for (it->Seek(codec::kOutboxPrefix); it->Valid(); it->Next())
      if (codec::decode_outbox_key(it->key().ToStringView(), seq)) outbox.insert(seq);
    if (!it->status().ok()) fail_read("the outbox", it->status());
    if (!outbox.empty()) next_seq = std::max(next_seq, *outbox.rbegin() + 1);
  }

  // The group count is kept under its own key, updated in the batches that add or remove
  // groups. When that key is missing or unreadable the groups are counted once.
  void load_group_count() {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), codec::kGroupCountKey, &value);
    uint64_t n;
    if (s.ok() && codec::decode_fixed64(value, n)) {
      groups = n;
      return;
    }
    if (!s.ok() && !s.IsNotFound()) fail_read("the group count", s);
    std::string end = prefix_end(codec::kGroupPrefix);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    n = 0;
    for (it->Seek(codec::kGroupPrefix); it->Valid(); it->Next()) ++n;
    if (!it->status().ok()) fail_read("the groups", it->status());
    groups = n;
  }

  void check_write(const rocksdb::Status& s) {
    // WriteBatchWithIndex only fails on a size limit, which is not set.
    if (!s.ok()) throw std::runtime_error("state store " + options.dir + ": " + s.ToString());
  }

  // Writes the batch's change of the group count under its key.
  void fold_group_delta() {
    if (group_delta == 0) return;
    int64_t n = static_cast<int64_t>(staged_groups.value_or(groups.load())) + group_delta;
    staged_groups = n < 0 ? 0 : static_cast<uint64_t>(n);
    group_delta = 0;
    check_write(batch.Put(codec::kGroupCountKey, codec::encode_fixed64(*staged_groups)));
  }

  void clear_batch() {
    batch.Clear();
    group_delta = 0;
    staged_groups.reset();
    staged_ids.clear();
    staged_offsets.clear();
    staged_outbox.clear();
  }
};

StateStore::StateStore(StateOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->open();
}

StateStore::~StateStore() {
  // Closing only releases files and the lock here: every commit is already in the WAL.
  if (impl_ && impl_->db) impl_->db->Close().PermitUncheckedError();
}

bool StateStore::get(std::string_view key, std::string& value) {
  Impl& m = *impl_;
  rocksdb::Status s = m.batch.GetFromBatchAndDB(m.db.get(), rocksdb::ReadOptions(), key, &value);
  if (s.ok()) return true;
  if (s.IsNotFound()) return false;
  m.fail_read("a key", s);
}

void StateStore::put(std::string_view key, std::string_view value) {
  impl_->check_write(impl_->batch.Put(key, value));
}

void StateStore::erase(std::string_view key) { impl_->check_write(impl_->batch.Delete(key)); }

void StateStore::scan(std::string_view from, std::string_view to,
                      const std::function<bool(std::string_view, std::string_view)>& visit) {
  Impl& m = *impl_;
  rocksdb::Slice upper(to.data(), to.size());
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(m.batch.NewIteratorWithBase(m.db->NewIterator(ro)));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    // The batch's own entries are not bounded by the base iterator's upper bound.
    if (it->key().compare(upper) >= 0) break;
    if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) m.fail_read("a key range", it->status());
}

void StateStore::add_groups(int64_t delta) { impl_->group_delta += delta; }

void StateStore::stage_alert(const OutboxEntry& entry) {
  Impl& m = *impl_;
  uint64_t seq;
  if (auto it = m.staged_ids.find(entry.alert_id); it != m.staged_ids.end()) {
    seq = it->second;
  } else {
    // An id already in the outbox keeps its place, so it is never listed twice.
    std::string value;
    rocksdb::Status s =
        m.db->Get(rocksdb::ReadOptions(), codec::alert_index_key(entry.alert_id), &value);
    if (s.ok() && codec::decode_fixed64(value, seq)) {
      // Reuse the sequence of the committed entry.
    } else if (s.ok() || s.IsNotFound()) {
      seq = m.next_seq++;
    } else {
      m.fail_read("the outbox index", s);
    }
    m.staged_ids.emplace(entry.alert_id, seq);
    m.staged_outbox.emplace_back(seq, true);
  }
  std::string value;
  codec::encode_outbox(entry, value);
  m.check_write(m.batch.Put(codec::outbox_key(seq), value));
  m.check_write(m.batch.Put(codec::alert_index_key(entry.alert_id), codec::encode_fixed64(seq)));
}

bool StateStore::find_alert(std::string_view alert_id, OutboxEntry& out) {
  std::string value;
  uint64_t seq;
  if (!get(codec::alert_index_key(alert_id), value) || !codec::decode_fixed64(value, seq))
    return false;
  return get(codec::outbox_key(seq), value) && codec::decode_outbox(value, out);
}

void StateStore::stage_remove_alert(std::string_view alert_id) {
  Impl& m = *impl_;
  std::string index = codec::alert_index_key(alert_id);
  std::string value;
  if (!get(index, value)) return;
  uint64_t seq;
  if (codec::decode_fixed64(value, seq)) {
    m.check_write(m.batch.Delete(codec::outbox_key(seq)));
    m.staged_outbox.emplace_back(seq, false);
  }
  m.check_write(m.batch.Delete(index));
  m.staged_ids.erase(std::string(alert_id));
}

void StateStore::stage_checkpoint(std::string_view changelog, int64_t offset) {
  std::string value;
  put_bytes(value, changelog);
  value += encode_fixed64(static_cast<uint64_t>(offset));
  impl_->check_write(impl_->batch.Put(codec::kCheckpointKey, value));
}

size_t StateStore::visit_changes(
    const std::function<void(std::string_view key, const std::string_view* value)>& visit) {
  Impl& m = *impl_;
  m.fold_group_delta();  // the count is state too: it travels with the batch
  size_t visited = 0;
  std::unique_ptr<rocksdb::WBWIIterator> it(m.batch.NewIterator());
  it->SeekToFirst();
  while (it->Valid()) {
    rocksdb::WriteEntry entry = it->Entry();
    it->Next();
    // Several updates of one key come in write order: only the last one counts.
    if (it->Valid() && it->Entry().key == entry.key) continue;
    std::string_view key = entry.key.ToStringView();
    if (key.starts_with(codec::kLocalPrefix)) continue;
    std::string_view value = entry.value.ToStringView();
    visit(key, entry.type == rocksdb::kPutRecord ? &value : nullptr);
    ++visited;
  }
  return visited;
}

void StateStore::stage_offset(std::string_view stream, int32_t partition, int64_t offset) {
  Impl& m = *impl_;
  std::string key = codec::offset_key(stream, partition);
  m.check_write(m.batch.Put(key, codec::encode_fixed64(static_cast<uint64_t>(offset))));
  m.staged_offsets[std::move(key)] = offset;
}

rocksdb::Status StateStore::commit_batch() {
  Impl& m = *impl_;
  m.fold_group_delta();
  if (m.batch.GetWriteBatch()->Count() == 0) return rocksdb::Status::OK();
  if (rocksdb::Status s = m.db->Write(m.write_options, m.batch.GetWriteBatch()); !s.ok()) return s;
  if (m.staged_groups) m.groups = *m.staged_groups;
  for (const auto& [key, offset] : m.staged_offsets) m.applied[key] = offset;
  for (const auto& [seq, added] : m.staged_outbox) {
    if (added)
      m.outbox.insert(seq);
    else
      m.outbox.erase(seq);
  }
  m.clear_batch();
  return rocksdb::Status::OK();
}

void StateStore::discard_batch() { impl_->clear_batch(); }

void StateStore::stage_stream_time(int64_t ms) {
  impl_->check_write(
      impl_->batch.Put(codec::kStreamTimeKey, codec::encode_fixed64(static_cast<uint64_t>(ms))));
}

std::optional<int64_t> StateStore::stream_time() const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), codec::kStreamTimeKey, &value);
  if (!s.ok() && !s.IsNotFound()) impl_->fail_read("the stream time", s);
  uint64_t v;
  if (!s.ok() || !codec::decode_fixed64(value, v)) return std::nullopt;
  return static_cast<int64_t>(v);
}

int64_t StateStore::applied_offset(std::string_view stream, int32_t partition) const {
  Impl& m = *impl_;
  std::string key = codec::offset_key(stream, partition);
  if (auto it = m.applied.find(key); it != m.applied.end()) return it->second;
  std::string value;
  rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), key, &value);
  if (!s.ok() && !s.IsNotFound()) m.fail_read("an applied offset", s);
  uint64_t v;
  int64_t offset = s.ok() && codec::decode_fixed64(value, v) ? static_cast<int64_t>(v) : -1;
  m.applied.emplace(std::move(key), offset);
  return offset;
}

size_t StateStore::pending_alert_count() const { return impl_->outbox.size(); }

std::vector<OutboxEntry> StateStore::pending_alerts() const {
  std::vector<OutboxEntry> out;
  if (impl_->outbox.empty()) return out;
  std::string end = prefix_end(codec::kOutboxPrefix);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  for (it->Seek(codec::outbox_key(*impl_->outbox.begin())); it->Valid(); it->Next()) {
    OutboxEntry entry;
    if (codec::decode_outbox(it->value().ToStringView(), entry)) out.push_back(std::move(entry));
  }
  // A read error ends the listing early; the rest is listed on a later call.
  it->status().PermitUncheckedError();
  return out;
}

bool StateStore::checkpoint(std::string& changelog, int64_t& offset) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), codec::kCheckpointKey, &value);
  if (!s.ok() && !s.IsNotFound()) impl_->fail_read("the checkpoint", s);
  ByteReader r(value);
  std::string_view name;
  if (!s.ok() || !r.view(name) || r.remaining() != 8) return false;
  uint64_t v;
  decode_fixed64(value.substr(value.size() - 8), v);
  changelog.assign(name);
  offset = static_cast<int64_t>(v);
  return true;
}

rocksdb::Status StateStore::restore(const std::vector<Change>& changes, std::string_view changelog,
                                    int64_t offset) {
  Impl& m = *impl_;
  rocksdb::WriteBatch batch;
  for (const Change& c : changes) {
    rocksdb::Status s = c.value ? batch.Put(c.key, *c.value) : batch.Delete(c.key);
    if (!s.ok()) return s;
  }
  std::string value;
  put_bytes(value, changelog);
  value += encode_fixed64(static_cast<uint64_t>(offset));
  if (rocksdb::Status s = batch.Put(codec::kCheckpointKey, value); !s.ok()) return s;
  if (rocksdb::Status s = m.db->Write(m.write_options, &batch); !s.ok()) return s;
  m.applied.clear();
  m.load_outbox();
  m.load_group_count();
  return rocksdb::Status::OK();
}

void StateStore::wipe() {
  Impl& m = *impl_;
  m.clear_batch();
  m.applied.clear();
  m.db->Close().PermitUncheckedError();
  m.db.reset();
  rocksdb::Status s = rocksdb::DestroyDB(m.options.dir, make_options(m.options.memory));
  if (!s.ok())
    throw std::runtime_error("cannot wipe state directory " + m.options.dir + ": " + s.ToString());
  m.next_seq = 0;
  m.groups = 0;
  m.open();
}

uint64_t StateStore::estimated_groups() const { return impl_->groups.load(); }

uint64_t StateStore::estimated_bytes() const {
  uint64_t live = 0;
  if (!impl_->db->GetIntProperty("rocksdb.estimate-live-data-size", &live)) return 0;
  uint64_t mem = 0;
  impl_->db->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
  return live + mem;
}

}  // namespace klaxon
