#include "sink/offset_tracker.h"

#include <algorithm>

namespace klaxon {

void OffsetTracker::read(const TopicPartition& tp, int64_t offset) {
  auto& p = partitions_[tp];
  if (!p.pending.empty() && offset <= p.pending.back().first) return;  // redelivered
  p.pending.emplace_back(offset, false);
}

void OffsetTracker::finish(const TopicPartition& tp, int64_t offset) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return;
  auto& p = it->second;
  auto at = std::lower_bound(p.pending.begin(), p.pending.end(), offset,
                             [](const auto& e, int64_t o) { return e.first < o; });
  if (at == p.pending.end() || at->first != offset) return;
  at->second = true;
  while (!p.pending.empty() && p.pending.front().second) {
    p.committable = p.pending.front().first + 1;
    p.moved = true;
    p.pending.pop_front();
  }
}

std::vector<std::pair<TopicPartition, int64_t>> OffsetTracker::take_committable() {
  std::vector<std::pair<TopicPartition, int64_t>> out;
  for (auto& [tp, p] : partitions_) {
    if (!p.moved) continue;
    out.emplace_back(tp, p.committable);
    p.moved = false;
  }
  return out;
}

size_t OffsetTracker::outstanding() const {
  size_t n = 0;
  for (const auto& [tp, p] : partitions_)
    for (const auto& e : p.pending) n += e.second ? 0 : 1;
  return n;
}

}  // namespace klaxon
