#include "state/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>

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

// True when `t` is at least `realert_ms` after `last_alert` (overflow-safe).
bool window_passed(int64_t t, int64_t last_alert, int64_t realert_ms) {
  int64_t elapsed;
  if (__builtin_sub_overflow(t, last_alert, &elapsed)) return t > last_alert;
  return elapsed >= realert_ms;
}

// Appends this match's ids that the list does not hold yet, while it has room.
void merge_request_ids(std::vector<std::string>& ids, const std::vector<std::string>& add,
                       size_t max) {
  for (const auto& id : add) {
    if (ids.size() >= max) return;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
}

rocksdb::Options make_options() {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;

  rocksdb::Options options;
  options.create_if_missing = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.write_buffer_size = 16 << 20;
  options.max_background_jobs = 2;
  options.max_open_files = 512;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 8 << 20;
  options.max_manifest_file_size = 64 << 20;
  return options;
}

}  // namespace

struct StateStore::Impl {
  struct DirtyGroup {
    GroupState state;
    bool is_new = false;  // no key in the database yet: counts towards the group total
  };

  StateOptions options;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;

  // Committed number of group keys; read from any thread.
  std::atomic<uint64_t> groups{0};

  // The current batch and the offset cache: pipeline thread only.
  std::unordered_map<std::string, DirtyGroup> dirty;
  std::map<uint64_t, OutboxEntry> staged_alerts;             // by outbox sequence
  std::unordered_map<std::string, uint64_t> staged_ids;      // alert id -> sequence
  std::unordered_map<std::string, int64_t> staged_offsets;   // offset key -> offset
  mutable std::unordered_map<std::string, int64_t> applied;  // offset key -> committed offset
  uint64_t next_seq = 0;
  std::string key_buf;
  std::string value_buf;

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
    rocksdb::Status s = rocksdb::DB::Open(make_options(), options.dir, &raw);
    if (!s.ok())
      throw std::runtime_error("cannot open state directory " + options.dir + ": " + s.ToString());
    db.reset(raw);
    write_options.sync = options.sync;
    load_next_seq();
    load_group_count();
  }

  // The next outbox sequence follows the newest entry still in the outbox.
  void load_next_seq() {
    std::string end = prefix_end(codec::kOutboxPrefix);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
    it->SeekToLast();
    uint64_t seq;
    if (it->Valid() && codec::decode_outbox_key(it->key().ToStringView(), seq)) next_seq = seq + 1;
    if (!it->status().ok()) fail_read("the outbox", it->status());
  }

  // The group count is kept under its own key, updated in the batches that add groups.
  // When that key is missing or unreadable the groups are counted once.
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

  // The group under key_buf in the current batch, loaded from the database on first use.
  // `fresh` is set when the group has no usable state (missing, or a value that does not
  // decode: such a group starts over and its key is overwritten on commit).
  DirtyGroup& load_group(bool& fresh) {
    fresh = false;
    if (auto it = dirty.find(key_buf); it != dirty.end()) return it->second;
    DirtyGroup g;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), key_buf, &value_buf);
    if (s.ok()) {
      fresh = !codec::decode_group(value_buf, g.state);  // leaves g.state empty on failure
    } else if (s.IsNotFound()) {
      fresh = true;
      g.is_new = true;
    } else {
      fail_read("a group", s);
    }
    return dirty.emplace(key_buf, std::move(g)).first->second;
  }

  void clear_batch() {
    dirty.clear();
    staged_alerts.clear();
    staged_ids.clear();
    staged_offsets.clear();
  }

  rocksdb::Status build_batch(rocksdb::WriteBatch& batch, uint64_t& new_groups) {
    new_groups = 0;
    rocksdb::Status s;
    for (const auto& [key, group] : dirty) {
      codec::encode_group(group.state, value_buf);
      if (s = batch.Put(key, value_buf); !s.ok()) return s;
      if (group.is_new) ++new_groups;
    }
    if (new_groups > 0) {
      s = batch.Put(codec::kGroupCountKey, codec::encode_fixed64(groups.load() + new_groups));
      if (!s.ok()) return s;
    }
    for (const auto& [seq, entry] : staged_alerts) {
      codec::encode_outbox(entry, value_buf);
      if (s = batch.Put(codec::outbox_key(seq), value_buf); !s.ok()) return s;
      s = batch.Put(codec::alert_index_key(entry.alert_id), codec::encode_fixed64(seq));
      if (!s.ok()) return s;
    }
    for (const auto& [key, offset] : staged_offsets) {
      s = batch.Put(key, codec::encode_fixed64(static_cast<uint64_t>(offset)));
      if (!s.ok()) return s;
    }
    return s;
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

Observation StateStore::observe(std::string_view rule, std::string_view group_key,
                                int64_t event_time_ms, std::chrono::milliseconds realert,
                                const std::vector<std::string>& request_ids) {
  Impl& m = *impl_;
  codec::group_key_into(m.key_buf, rule, group_key);
  bool fresh;
  GroupState& g = m.load_group(fresh).state;
  const size_t max_ids = m.options.max_request_ids;
  Observation obs;
  if (fresh) {
    g.count = 1;
    g.suppressed = 0;
    g.first_seen_ms = g.last_seen_ms = g.last_alert_ms = event_time_ms;
    g.request_ids.clear();
    merge_request_ids(g.request_ids, request_ids, max_ids);
    obs.alert = true;
    obs.alert_request_ids = g.request_ids;
  } else {
    ++g.count;
    g.first_seen_ms = std::min(g.first_seen_ms, event_time_ms);
    g.last_seen_ms = std::max(g.last_seen_ms, event_time_ms);
    if (g.last_alert_ms == 0 || window_passed(event_time_ms, g.last_alert_ms, realert.count())) {
      obs.alert = true;
      obs.suppressed_before = g.suppressed;
      g.suppressed = 0;
      g.last_alert_ms = event_time_ms;
      merge_request_ids(obs.alert_request_ids, request_ids, max_ids);
      merge_request_ids(obs.alert_request_ids, g.request_ids, max_ids);
      g.request_ids.clear();
    } else {
      ++g.suppressed;
    }
    merge_request_ids(g.request_ids, request_ids, max_ids);
  }
  obs.state = g;
  return obs;
}

void StateStore::stage_alert(const OutboxEntry& entry) {
  Impl& m = *impl_;
  if (auto it = m.staged_ids.find(entry.alert_id); it != m.staged_ids.end()) {
    m.staged_alerts[it->second] = entry;
    return;
  }
  // An id already in the outbox keeps its place, so it is never listed twice.
  uint64_t seq;
  rocksdb::Status s =
      m.db->Get(rocksdb::ReadOptions(), codec::alert_index_key(entry.alert_id), &m.value_buf);
  if (s.ok() && codec::decode_fixed64(m.value_buf, seq)) {
    // Reuse the sequence of the committed entry.
  } else if (s.ok() || s.IsNotFound()) {
    seq = m.next_seq++;
  } else {
    m.fail_read("the outbox index", s);
  }
  m.staged_alerts[seq] = entry;
  m.staged_ids.emplace(entry.alert_id, seq);
}

void StateStore::stage_offset(std::string_view stream, int32_t partition, int64_t offset) {
  impl_->staged_offsets[codec::offset_key(stream, partition)] = offset;
}

rocksdb::Status StateStore::commit_batch() {
  Impl& m = *impl_;
  if (m.dirty.empty() && m.staged_alerts.empty() && m.staged_offsets.empty())
    return rocksdb::Status::OK();
  rocksdb::WriteBatch batch;
  uint64_t new_groups;
  if (rocksdb::Status s = m.build_batch(batch, new_groups); !s.ok()) return s;
  if (rocksdb::Status s = m.db->Write(m.write_options, &batch); !s.ok()) return s;
  m.groups += new_groups;
  for (const auto& [key, offset] : m.staged_offsets) m.applied[key] = offset;
  m.clear_batch();
  return rocksdb::Status::OK();
}

void StateStore::discard_batch() { impl_->clear_batch(); }

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

bool StateStore::get_group(std::string_view rule, std::string_view group_key,
                           GroupState& out) const {
  std::string value;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), codec::group_key(rule, group_key), &value);
  return s.ok() && codec::decode_group(value, out);
}

std::vector<OutboxEntry> StateStore::pending_alerts() const {
  std::string end = prefix_end(codec::kOutboxPrefix);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  std::vector<OutboxEntry> out;
  for (it->Seek(codec::kOutboxPrefix); it->Valid(); it->Next()) {
    OutboxEntry entry;
    if (codec::decode_outbox(it->value().ToStringView(), entry)) out.push_back(std::move(entry));
  }
  // A read error ends the listing early; the rest is listed on a later call.
  it->status().PermitUncheckedError();
  return out;
}

rocksdb::Status StateStore::remove_alert(std::string_view alert_id) {
  Impl& m = *impl_;
  std::string index = codec::alert_index_key(alert_id);
  std::string value;
  rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), index, &value);
  if (s.IsNotFound()) return rocksdb::Status::OK();
  if (!s.ok()) return s;
  rocksdb::WriteBatch batch;
  if (s = batch.Delete(index); !s.ok()) return s;
  uint64_t seq;
  if (codec::decode_fixed64(value, seq)) {
    if (s = batch.Delete(codec::outbox_key(seq)); !s.ok()) return s;
  }
  return m.db->Write(m.write_options, &batch);
}

uint64_t StateStore::estimated_groups() const { return impl_->groups.load(); }

}  // namespace klaxon
