#include "sink/bulk_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "core/backoff.h"
#include "core/rate_limited_log.h"
#include "core/time.h"
#include "sink/bulk_response.h"

namespace klaxon {

namespace {

size_t bytes_of(const std::vector<BulkDoc>& docs) {
  size_t n = 0;
  for (const auto& d : docs) n += d.bytes();
  return n;
}

std::string head(const std::string& text, size_t n = 300) {
  return text.size() <= n ? text : text.substr(0, n) + "...";
}

}  // namespace

// One sender thread: owns a transport, sends one request at a time.
class BulkService::Sender {
 public:
  Sender(BulkService& service, std::unique_ptr<BulkTransport> transport, uint64_t seed)
      : service_(service), transport_(std::move(transport)), rng_(seed) {}

  void loop() {
    std::unique_lock<std::mutex> lock(service_.mutex_);
    Request request;
    while (service_.take_ready(request, lock)) {
      lock.unlock();
      service_.probe_.in_flight.Increment();
      handle(std::move(request));
      service_.probe_.in_flight.Decrement();
      lock.lock();
    }
  }

 private:
  void handle(Request request) {
    body_.clear();
    for (const auto& d : request.docs) body_ += d.lines;
    auto start = Clock::now();
    BulkReply reply = transport_->bulk(body_);
    service_.probe_.request_seconds.Observe(
        std::chrono::duration<double>(Clock::now() - start).count());

    const long status = reply.status;
    if (status == 0) {
      retry_all(std::move(request), reply.timed_out ? "timeout" : "connection", reply.error);
    } else if (status >= 200 && status < 300) {
      handle_items(std::move(request), reply.body);
    } else if (status == 413) {
      split_or_refuse(std::move(request), "too_large",
                      "HTTP 413: the request is larger than Elasticsearch accepts "
                      "(http.max_content_length)");
    } else if (status == 429 || status == 408 || status >= 500 || status == 401 || status == 403 ||
               status == 404) {
      // Busy or failing cluster, or wrong credentials/URL: no document is at fault.
      std::string reason = status == 429   ? "http_429"
                           : status >= 500 ? "http_5xx"
                                           : "http_" + std::to_string(status);
      retry_all(std::move(request), reason,
                "HTTP " + std::to_string(status) + ": " + head(reply.body));
    } else {
      split_or_refuse(std::move(request), "http_" + std::to_string(status),
                      "HTTP " + std::to_string(status) + ": " + head(reply.body));
    }
  }

  void handle_items(Request request, const std::string& body) {
    BulkResponse response;
    std::string error;
    if (!parse_bulk_response(body, request.docs.size(), response, error)) {
      retry_all(std::move(request), "bad_response", "not a bulk response: " + error);
      return;
    }
    std::vector<DocPosition> indexed;
    std::vector<RefusedDoc> refused;
    Request again;
    again.failures = request.failures + 1;
    size_t bytes = 0;
    for (size_t i = 0; i < request.docs.size(); ++i) {
      BulkDoc& doc = request.docs[i];
      if (!response.errors) {
        indexed.push_back({std::move(doc.topic), doc.partition, doc.offset});
        bytes += doc.bytes();
        continue;
      }
      const BulkItemResult& item = response.items[i];
      switch (item_verdict(item.status)) {
        case ItemVerdict::indexed:
          bytes += doc.bytes();
          indexed.push_back({std::move(doc.topic), doc.partition, doc.offset});
          break;
        case ItemVerdict::retry:
          service_.probe_
              .failure(item.error_type.empty() ? "http_" + std::to_string(item.status)
                                               : item.error_type)
              .Increment();
          again.docs.push_back(std::move(doc));
          break;
        case ItemVerdict::refused: {
          std::string type =
              item.error_type.empty() ? "http_" + std::to_string(item.status) : item.error_type;
          service_.probe_.failure(type).Increment();
          bytes += doc.bytes();
          std::string detail = "status " + std::to_string(item.status) + ": " + item.reason;
          refused.push_back({std::move(doc), std::move(type), std::move(detail)});
          break;
        }
      }
    }
    if (!again.docs.empty()) {
      log_retry(again.docs.size(), "items failed transiently (" +
                                       std::to_string(again.docs.size()) + " of " +
                                       std::to_string(request.docs.size()) + ")");
      schedule_retry(std::move(again));
    }
    service_.finish(std::move(indexed), std::move(refused), bytes);
  }

  void retry_all(Request request, const std::string& reason, const std::string& detail) {
    service_.probe_.failure(reason).Increment();
    log_retry(request.docs.size(), reason + ": " + detail);
    ++request.failures;
    schedule_retry(std::move(request));
  }

  void schedule_retry(Request request) {
    service_.probe_.retries.Increment(static_cast<double>(request.docs.size()));
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    auto delay = backoff_delay(service_.options_.retry_initial, service_.options_.retry_max,
                               request.failures, jitter(rng_));
    request.bytes = bytes_of(request.docs);
    request.not_before = Clock::now() + delay;
    std::lock_guard<std::mutex> lock(service_.mutex_);
    service_.enqueue(std::move(request));
  }

  // The request itself was refused: halve it until the document at fault is alone.
  void split_or_refuse(Request request, const std::string& reason, const std::string& detail) {
    service_.probe_.failure(reason).Increment();
    if (request.docs.size() > 1) {
      size_t half = request.docs.size() / 2;
      Request second;
      second.failures = request.failures;
      second.docs.assign(std::make_move_iterator(request.docs.begin() + half),
                         std::make_move_iterator(request.docs.end()));
      request.docs.resize(half);
      request.bytes = bytes_of(request.docs);
      second.bytes = bytes_of(second.docs);
      request.not_before = second.not_before = Clock::time_point{};
      std::lock_guard<std::mutex> lock(service_.mutex_);
      service_.enqueue(std::move(request));
      service_.enqueue(std::move(second));
      return;
    }
    BulkDoc& doc = request.docs.front();
    size_t bytes = doc.bytes();
    std::vector<RefusedDoc> refused;
    refused.push_back({std::move(doc), reason, detail});
    service_.finish({}, std::move(refused), bytes);
  }

  void log_retry(size_t docs, const std::string& what) {
    uint64_t held_back = 0;
    if (!retry_log_.allow(now_ms(), held_back)) return;
    spdlog::warn("elasticsearch: {}; retrying {} documents with backoff{}", what, docs,
                 held_back ? fmt::format(" ({} similar since)", held_back) : "");
  }

  BulkService& service_;
  std::unique_ptr<BulkTransport> transport_;
  std::mt19937_64 rng_;
  LogRateLimiter retry_log_{std::chrono::seconds(10)};
  std::string body_;  // reused request body
};

BulkService::BulkService(BulkServiceOptions options, const TransportFactory& make_transport,
                         SinkProbe& probe)
    : options_(options), probe_(probe) {
  std::random_device seed;
  size_t n = std::max<size_t>(1, options_.max_in_flight);
  for (size_t i = 0; i < n; ++i)
    senders_.push_back(std::make_unique<Sender>(*this, make_transport(i), seed()));
  for (auto& sender : senders_) threads_.emplace_back([s = sender.get()] { s->loop(); });
}

BulkService::~BulkService() { stop(); }

void BulkService::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void BulkService::submit(std::vector<BulkDoc> docs) {
  Request r;
  r.bytes = bytes_of(docs);
  r.docs = std::move(docs);
  std::lock_guard<std::mutex> lock(mutex_);
  buffered_bytes_ += r.bytes;
  unfinished_docs_ += r.docs.size();
  enqueue(std::move(r));
}

void BulkService::enqueue(Request request) {
  queue_.push_back(std::move(request));
  work_.notify_one();
}

bool BulkService::take_ready(Request& out, std::unique_lock<std::mutex>& lock) {
  while (!stopping_) {
    auto now = Clock::now();
    auto earliest = Clock::time_point::max();
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->not_before <= now) {
        out = std::move(*it);
        queue_.erase(it);
        return true;
      }
      earliest = std::min(earliest, it->not_before);
    }
    if (earliest == Clock::time_point::max())
      work_.wait(lock);
    else
      work_.wait_until(lock, earliest);
  }
  return false;
}

void BulkService::finish(std::vector<DocPosition> indexed, std::vector<RefusedDoc> refused,
                         size_t bytes) {
  probe_.indexed.Increment(static_cast<double>(indexed.size()));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    buffered_bytes_ -= bytes;
    unfinished_docs_ -= indexed.size() + refused.size();
    auto& ri = results_.indexed;
    if (ri.empty())
      ri = std::move(indexed);
    else
      ri.insert(ri.end(), std::make_move_iterator(indexed.begin()),
                std::make_move_iterator(indexed.end()));
    for (auto& r : refused) results_.refused.push_back(std::move(r));
  }
  done_.notify_all();
}

void BulkService::take_results(BulkResults& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (out.indexed.empty())
    out.indexed = std::move(results_.indexed);
  else
    out.indexed.insert(out.indexed.end(), std::make_move_iterator(results_.indexed.begin()),
                       std::make_move_iterator(results_.indexed.end()));
  for (auto& r : results_.refused) out.refused.push_back(std::move(r));
  results_.indexed.clear();
  results_.refused.clear();
}

size_t BulkService::buffered_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffered_bytes_;
}

bool BulkService::drain(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_.wait_for(lock, timeout, [this] { return unfinished_docs_ == 0; });
}

}  // namespace klaxon
