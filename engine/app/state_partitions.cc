#include "app/state_partitions.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "config/internal_topics.h"
#include "core/text.h"

namespace klaxon {

StatePartitions::StatePartitions(StatePartitionsOptions options, RecordSink& producer,
                                 StateProbe& probe, StateTask::Listener listener)
    : options_(std::move(options)),
      producer_(producer),
      probe_(probe),
      listener_(std::move(listener)),
      memory_(StoreMemory::shared(options_.memory_bytes)) {
  if (options_.changelog)
    changelog_ = std::make_unique<ChangelogWriter>(producer_, options_.changelog_topic);
}

StatePartitions::~StatePartitions() = default;

void StatePartitions::open(int32_t p, const RulesByStateId* rules, const RulesByStateId* retired) {
  if (partitions_.count(p)) return;
  Partition part;
  StateOptions so;
  so.dir = store_dir(options_.state_dir, options_.group, p);
  so.sync = options_.sync;
  so.memory = memory_;
  part.store = std::make_unique<StateStore>(so);
  if (options_.changelog) {
    RestoreOptions ro = options_.restore;
    ro.partition = p;
    ro.identity = options_.cluster_id + "/" + options_.changelog_topic + "/" + std::to_string(p);
    auto started = std::chrono::steady_clock::now();
    prometheus::Gauge& remaining = probe_.restore_remaining(p);
    uint64_t reported = 0;
    RestoreProgress done = restore_store(*part.store, ro, [&](const RestoreProgress& r) {
      remaining.Set(static_cast<double>(std::max<int64_t>(0, r.end - r.position)));
      probe_.restored_records.Increment(static_cast<double>(r.records - reported));
      reported = r.records;
      if (!r.done)
        spdlog::info("state partition {}: restoring from {}: {} of {} records", p, ro.topic,
                     r.position - r.from, r.end - r.from);
    });
    probe_.restores.Increment();
    if (done.wiped) probe_.stores_wiped.Increment();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("state partition {}: {} from {} offsets {}..{}: {}, {} in {}; {}", p,
                 done.from == 0 || done.wiped ? "restored" : "caught up", ro.topic, done.from,
                 done.end, plural(static_cast<uint64_t>(done.records), "record"),
                 plural(static_cast<uint64_t>(done.batches), "batch", "batches"),
                 human_duration(static_cast<int64_t>(seconds * 1000)),
                 plural(part.store->estimated_groups(), "group"));
  }
  StateTaskOptions to = options_.task;
  to.partition = p;
  part.task = std::make_unique<StateTask>(*part.store, to, listener_);
  part.task->use_rules(rules, retired);
  partitions_.emplace(p, std::move(part));
  probe_.partitions_owned.Set(static_cast<double>(partitions_.size()));
}

void StatePartitions::close(int32_t p) {
  auto it = partitions_.find(p);
  if (it == partitions_.end()) return;
  it->second.task.reset();
  it->second.store.reset();
  partitions_.erase(it);
  probe_.partitions_owned.Set(static_cast<double>(partitions_.size()));
}

StateTask* StatePartitions::task(int32_t p) {
  auto it = partitions_.find(p);
  return it == partitions_.end() ? nullptr : it->second.task.get();
}

std::vector<int32_t> StatePartitions::owned() const {
  std::vector<int32_t> out;
  for (const auto& [p, part] : partitions_) out.push_back(p);
  return out;
}

void StatePartitions::use_rules(const RulesByStateId* rules, const RulesByStateId* retired) {
  for (auto& [p, part] : partitions_) part.task->use_rules(rules, retired);
}

std::vector<OutboxEntry> StatePartitions::awaiting_topic(int32_t p) const {
  auto it = partitions_.find(p);
  if (it == partitions_.end()) return {};
  std::vector<OutboxEntry> pending = it->second.store->pending_alerts();
  std::erase_if(pending, [&](const OutboxEntry& e) {
    if (!e.to_topic) return true;
    for (const auto& [id, target] : it->second.delivered)
      if (id == e.alert_id && target == kAlertsTopicTarget) return true;
    return false;
  });
  return pending;
}

void StatePartitions::delivered(int32_t p, const std::string& alert_id, const std::string& target) {
  if (auto it = partitions_.find(p); it != partitions_.end())
    it->second.delivered.emplace_back(alert_id, target);
}

bool StatePartitions::has_deliveries() const {
  for (const auto& [p, part] : partitions_)
    if (!part.delivered.empty()) return true;
  return false;
}

std::vector<std::pair<int32_t, OutboxEntry>> StatePartitions::commit() {
  std::vector<std::pair<int32_t, OutboxEntry>> alerts;
  std::vector<int32_t> changed;
  for (auto& [p, part] : partitions_) {
    part.task->flush();
    for (const auto& [id, target] : part.delivered) {
      OutboxEntry entry;
      if (!part.store->find_alert(id, entry)) continue;  // already gone
      if (target == kAlertsTopicTarget)
        entry.to_topic = false;
      else
        std::erase(entry.channels, target);
      if (entry.delivered())
        part.store->stage_remove_alert(id);
      else
        part.store->stage_alert(entry);
    }
    part.delivered.clear();
    if (!changelog_) continue;
    size_t sent = changelog_->send(*part.store, p);
    if (sent == 0) continue;
    probe_.changelog_records.Increment(static_cast<double>(sent));
    changed.push_back(p);
  }
  if (changelog_ && !changed.empty()) {
    std::string error;
    if (!changelog_->wait(options_.flush_timeout, error)) {
      discard();
      throw std::runtime_error("changelog " + error + "; stopping without committing this batch");
    }
    for (int32_t p : changed) {
      std::string identity =
          options_.cluster_id + "/" + options_.changelog_topic + "/" + std::to_string(p);
      partitions_[p].store->stage_checkpoint(identity, changelog_->marker_offset(p));
    }
  }
  for (auto& [p, part] : partitions_) {
    if (rocksdb::Status s = part.store->commit_batch(); !s.ok()) {
      discard();
      throw std::runtime_error("state store of partition " + std::to_string(p) + " write failed: " +
                               s.ToString() + "; stopping without committing this batch");
    }
    for (auto& entry : part.task->take_new_alerts()) alerts.emplace_back(p, std::move(entry));
  }
  return alerts;
}

void StatePartitions::discard() {
  for (auto& [p, part] : partitions_) {
    part.task->discard();
    part.store->discard_batch();
  }
}

uint64_t StatePartitions::groups() const {
  uint64_t n = 0;
  for (const auto& [p, part] : partitions_) n += part.store->estimated_groups();
  return n;
}

uint64_t StatePartitions::bytes() const {
  uint64_t n = 0;
  for (const auto& [p, part] : partitions_) n += part.store->estimated_bytes();
  return n;
}

}  // namespace klaxon
