#include "notify/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <random>
#include <set>
#include <thread>

#include "core/backoff.h"
#include "core/time.h"

namespace klaxon {

namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Queued {
  DeliveryJob job;
  Alert alert;
  std::string key;  // partition/alert id
};

}  // namespace

class Dispatcher::Worker {
 public:
  Worker(ChannelSetup setup, const DispatcherOptions& options, Dispatcher& owner,
         NotifyProbe& probe)
      : channel_(std::move(setup.channel)),
        limit_(setup.rate_limit),
        options_(options),
        owner_(owner),
        metrics_(probe.channel(channel_->name())),
        tokens_(static_cast<double>(limit_.count)),
        refilled_(Clock::now()),
        rng_(std::random_device{}()),
        thread_([this] { loop(); }) {}

  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  const std::string& name() const { return channel_->name(); }

  void submit(Queued q) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!keys_.insert(q.key).second) return;  // queued or in flight already
      queue_.push_back(std::move(q));
      metrics_.queued.Set(static_cast<double>(queue_.size()));
    }
    wake_.notify_all();
  }

  void drop_partition(int32_t p) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto gone = [&](const Queued& q) {
      if (q.job.partition != p) return false;
      keys_.erase(q.key);
      return true;
    };
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(), gone), queue_.end());
    if (sending_) dropped_while_sending_.insert(p);
    metrics_.queued.Set(static_cast<double>(queue_.size()));
  }

  size_t queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() + in_flight_;
  }

 private:
  bool limited() const { return limit_.count > 0; }

  void refill(Clock::time_point now) {
    if (!limited()) return;
    double per_ms = static_cast<double>(limit_.count) / static_cast<double>(limit_.per.count());
    double ms = std::chrono::duration<double, std::milli>(now - refilled_).count();
    tokens_ = std::min(static_cast<double>(limit_.count), tokens_ + ms * per_ms);
    refilled_ = now;
  }

  Clock::time_point next_token(Clock::time_point now) const {
    double per_ms = static_cast<double>(limit_.count) / static_cast<double>(limit_.per.count());
    auto wait = std::chrono::milliseconds(static_cast<int64_t>((1.0 - tokens_) / per_ms) + 1);
    return now + wait;
  }

  std::chrono::milliseconds backoff() {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);  // spreads pods retrying at once
    return backoff_delay(options_.retry_initial, options_.retry_max, failures_, jitter(rng_));
  }

  // Gives up jobs that waited longer than give_up_after. Lock held.
  void expire(int64_t now_ms) {
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (now_ms - it->job.queued_ms < options_.give_up_after.count()) {
        ++it;
        continue;
      }
      std::string reason = "not accepted by " + name() + " within " +
                           format_duration(options_.give_up_after) +
                           (last_error_.empty() ? std::string() : "; last error: " + last_error_);
      metrics_.gave_up.Increment();
      finish(*it, false, reason);
      keys_.erase(it->key);
      it = queue_.erase(it);
    }
  }

  void finish(const Queued& q, bool accepted, const std::string& reason) {
    owner_.report(
        DeliveryOutcome{q.job.partition, q.alert.id, name(), accepted, reason, q.job.document});
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto refresh_every = channel_->refresh_interval();
    auto next_refresh = Clock::now() + refresh_every;
    while (!stop_) {
      if (refresh_every.count() > 0 && Clock::now() >= next_refresh) {
        if (Clock::now() >= retry_at_) refresh(lock);
        next_refresh = Clock::now() + refresh_every;
        continue;
      }
      if (queue_.empty()) {
        if (refresh_every.count() > 0)
          wake_.wait_until(lock, next_refresh);
        else
          wake_.wait(lock);
        continue;
      }
      auto now = Clock::now();
      if (now < retry_at_) {
        wake_.wait_until(lock, retry_at_);
        continue;
      }
      expire(wall_ms());
      metrics_.queued.Set(static_cast<double>(queue_.size()));
      if (queue_.empty()) continue;
      refill(now);
      if (limited() && tokens_ < 1.0) {
        wake_.wait_until(lock, next_token(now));
        continue;
      }
      // Within the limit, alerts go one by one (or in the API's batches); once more are
      // waiting than the limit lets through, the rest go as one digest with the last token.
      bool digest = limited() && queue_.size() > 1 &&
                    static_cast<double>(queue_.size()) > tokens_ && tokens_ < 2.0;
      size_t take = digest ? std::min<size_t>(queue_.size(), 1000)
                           : std::min(queue_.size(), channel_->max_batch());
      std::vector<Queued> batch;
      for (size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_flight_ = batch.size();
      sending_ = true;
      lock.unlock();
      SendResult result = send(batch, digest);
      lock.lock();
      sending_ = false;
      in_flight_ = 0;
      handle(result, batch, digest);
      dropped_while_sending_.clear();
      metrics_.queued.Set(static_cast<double>(queue_.size()));
    }
  }

  void refresh(std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    SendResult result;
    try {
      result = channel_->refresh(wall_ms());
    } catch (const std::exception& e) {
      result = {SendResult::retry, e.what()};
    }
    lock.lock();
    if (result.outcome != SendResult::accepted)
      spdlog::warn("channel {}: re-sending its firing alerts failed: {}", name(), result.error);
  }

  SendResult send(const std::vector<Queued>& batch, bool digest) {
    std::vector<const Alert*> alerts;
    for (const auto& q : batch) alerts.push_back(&q.alert);
    try {
      if (!digest) return channel_->send(alerts);
      Digest d{alerts, batch.front().job.queued_ms, wall_ms()};
      return channel_->send_digest(d);
    } catch (const std::exception& e) {
      return {SendResult::retry, e.what()};
    }
  }

  void handle(const SendResult& result, std::vector<Queued>& batch, bool digest) {
    auto now = Clock::now();
    double n = static_cast<double>(batch.size());
    if (result.outcome == SendResult::accepted) {
      if (limited()) tokens_ -= 1.0;
      if (failures_ > 0)
        spdlog::info("channel {}: delivering again after {} failed attempts", name(), failures_);
      failures_ = 0;
      last_error_.clear();
      metrics_.accepted.Increment(n);
      if (digest) {
        metrics_.digests.Increment();
        metrics_.digested.Increment(n);
      }
      int64_t wall = wall_ms();
      for (const auto& q : batch) {
        int64_t since = q.alert.event_time_ms ? q.alert.event_time_ms : q.job.queued_ms;
        metrics_.latency.Observe(static_cast<double>(std::max<int64_t>(0, wall - since)) / 1000.0);
        keys_.erase(q.key);
        finish(q, true, "");
      }
      return;
    }
    if (result.outcome == SendResult::rejected) {
      metrics_.rejected.Increment(n);
      spdlog::error("channel {}: {} alerts refused for good: {}; sent to the dead-letter topic",
                    name(), batch.size(), result.error);
      for (const auto& q : batch) {
        keys_.erase(q.key);
        finish(q, false, "rejected by " + name() + ": " + result.error);
      }
      return;
    }
    ++failures_;
    last_error_ = result.error;
    metrics_.retried.Increment(n);
    metrics_.attempts_failed.Increment();
    auto delay = backoff();
    retry_at_ = now + delay;
    if (failures_ == 1 || failures_ % 10 == 0)
      spdlog::warn(
          "channel {}: delivery failed ({} failures in a row): {}; {} alerts waiting; "
          "next attempt in {}",
          name(), failures_, result.error, queue_.size() + batch.size(), format_duration(delay));
    // Back to the front, in order, unless their partition moved away meanwhile.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (dropped_while_sending_.count(it->job.partition)) {
        keys_.erase(it->key);
        continue;
      }
      queue_.push_front(std::move(*it));
    }
  }

  std::unique_ptr<Channel> channel_;
  RateLimit limit_;
  DispatcherOptions options_;
  Dispatcher& owner_;
  NotifyProbe::Channel& metrics_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  std::set<std::string> keys_;
  std::set<int32_t> dropped_while_sending_;
  size_t in_flight_ = 0;
  bool sending_ = false;
  bool stop_ = false;
  double tokens_;
  Clock::time_point refilled_;
  Clock::time_point retry_at_{};
  int failures_ = 0;
  std::string last_error_;
  std::mt19937_64 rng_;
  std::thread thread_;  // last: starts once everything above is ready
};

Dispatcher::Dispatcher(DispatcherOptions options, std::vector<ChannelSetup> channels,
                       NotifyProbe& probe) {
  for (auto& c : channels)
    workers_.push_back(std::make_unique<Worker>(std::move(c), options, *this, probe));
}

Dispatcher::~Dispatcher() { workers_.clear(); }

void Dispatcher::submit(const DeliveryJob& job) {
  Queued q;
  q.job = job;
  if (!from_json(job.document, q.alert)) {
    report(DeliveryOutcome{job.partition, "", job.channel, false,
                           "the outbox entry is not an alert document", job.document});
    return;
  }
  q.key = std::to_string(job.partition) + "/" + q.alert.id;
  for (auto& w : workers_) {
    if (w->name() == job.channel) {
      w->submit(std::move(q));
      return;
    }
  }
  report(DeliveryOutcome{job.partition, q.alert.id, job.channel, false,
                         "channel '" + job.channel + "' is not configured (any more)",
                         job.document});
}

void Dispatcher::drop_partition(int32_t partition) {
  for (auto& w : workers_) w->drop_partition(partition);
}

std::vector<DeliveryOutcome> Dispatcher::take_outcomes() {
  std::vector<DeliveryOutcome> out;
  std::lock_guard<std::mutex> lock(mutex_);
  out.swap(outcomes_);
  return out;
}

bool Dispatcher::has_channel(const std::string& name) const {
  for (const auto& w : workers_)
    if (w->name() == name) return true;
  return false;
}

size_t Dispatcher::queued() const {
  size_t n = 0;
  for (const auto& w : workers_) n += w->queued();
  return n;
}

void Dispatcher::report(DeliveryOutcome outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  outcomes_.push_back(std::move(outcome));
}

}  // namespace klaxon
