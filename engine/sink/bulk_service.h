// BulkService: sends batches of documents to Elasticsearch's _bulk API from a pool of
// sender threads (`max_in_flight` requests at once) and handles every outcome the API
// documents, until each document is either indexed or refused for good:
//   - item 2xx: indexed;
//   - item 429 / 5xx (a busy node, an unavailable shard): that item again, after a backoff
//     with jitter (the rest of the request is done);
//   - item other 4xx (a mapping error, ...): refused, with its error type and reason;
//   - whole request 413: split in halves and sent again; a single document too large is
//     refused as "too_large";
//   - whole request 429, 5xx, 408, 401, 403, 404, timeouts, refused connections, answers
//     that are not bulk responses: the whole request again after a backoff. These are the
//     cluster's or the config's problem, not the documents', so they are retried without
//     limit; the sink meanwhile stops reading (see EsSink) and the lag shows it.
//   - whole request other 4xx: split down to the one document at fault, which is refused.
// Results (indexed positions, refused documents) are collected for the consuming thread.
//
// Thread: submit(), take_results(), buffered_bytes(), drain() and stop() from the consuming
// thread; the sender threads are internal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics/sink_probe.h"
#include "sink/bulk_doc.h"
#include "sink/es_client.h"

namespace klaxon {

struct BulkServiceOptions {
  size_t max_in_flight = 4;
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{30000};
};

struct BulkResults {
  std::vector<DocPosition> indexed;
  std::vector<RefusedDoc> refused;
  bool empty() const { return indexed.empty() && refused.empty(); }
};

class BulkService {
 public:
  // Makes the transport of sender `index` (each sender owns one: connections stay open).
  using TransportFactory = std::function<std::unique_ptr<BulkTransport>(size_t index)>;

  BulkService(BulkServiceOptions options, const TransportFactory& make_transport, SinkProbe& probe);
  ~BulkService();
  BulkService(const BulkService&) = delete;
  BulkService& operator=(const BulkService&) = delete;

  // Queues one _bulk request's documents (not empty).
  void submit(std::vector<BulkDoc> docs);
  // Moves the results gathered since the last call into `out` (appending).
  void take_results(BulkResults& out);
  // Bytes of documents submitted and without a result yet (queued, in flight, waiting to
  // be retried).
  size_t buffered_bytes() const;
  // Waits until every submitted document has a result or `timeout` passed; true when so.
  bool drain(std::chrono::milliseconds timeout);
  // Stops the senders after their current request; documents without a result stay so.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Request {
    std::vector<BulkDoc> docs;
    size_t bytes = 0;
    int failures = 0;  // failed attempts so far
    Clock::time_point not_before{};
  };
  class Sender;

  void enqueue(Request request);  // lock held
  bool take_ready(Request& out, std::unique_lock<std::mutex>& lock);
  void finish(std::vector<DocPosition> indexed, std::vector<RefusedDoc> refused, size_t bytes);

  BulkServiceOptions options_;
  SinkProbe& probe_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::vector<Request> queue_;
  BulkResults results_;
  size_t buffered_bytes_ = 0;
  size_t unfinished_docs_ = 0;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Sender>> senders_;
  std::vector<std::thread> threads_;
};

}  // namespace klaxon
