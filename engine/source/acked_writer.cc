#include "source/acked_writer.h"

#include <algorithm>

namespace klaxon {

void AckedWriter::send(std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, int32_t partition) {
  ++pending_;
  uint64_t sequence = ++sent_;
  acked_after_.push_back(false);
  std::string error;
  bool queued = producer_.produce(
      topic_, key, value, headers,
      [this, sequence](const RecordSink::Delivery& d) {
        --pending_;
        if (d.ok) {
          ++acknowledged_;
          mark_acked(sequence);
          int64_t& last = last_offsets_.try_emplace(d.partition, -1).first->second;
          last = std::max(last, d.offset);
        } else if (first_error_.empty()) {
          first_error_ = d.error;
        }
      },
      &error, partition);
  if (!queued) {
    --pending_;
    if (first_error_.empty()) first_error_ = error;
  }
}

void AckedWriter::mark_acked(uint64_t sequence) {
  acked_after_[sequence - acked_through_ - 1] = true;
  while (!acked_after_.empty() && acked_after_.front()) {
    acked_after_.pop_front();
    ++acked_through_;
  }
}

bool AckedWriter::take_error(std::string& error) {
  if (first_error_.empty()) return false;
  error = "topic " + topic_ + ": " + first_error_;
  first_error_.clear();
  return true;
}

bool AckedWriter::wait(std::chrono::milliseconds timeout, std::string& error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Flushing sends what the producer holds at once instead of after linger.ms: whoever
  // waits here (a state commit, its alerts behind it) would otherwise wait that long too.
  while (pending_ > 0 && std::chrono::steady_clock::now() < deadline)
    producer_.flush(std::chrono::milliseconds(1));
  if (pending_ > 0 && first_error_.empty())
    first_error_ = "not acknowledged within " + std::to_string(timeout.count()) + " ms";
  if (first_error_.empty()) return true;
  error = "topic " + topic_ + ": " + first_error_;
  first_error_.clear();
  return false;
}

int64_t AckedWriter::last_offset(int32_t partition) const {
  auto it = last_offsets_.find(partition);
  return it == last_offsets_.end() ? -1 : it->second;
}

}  // namespace klaxon
