// The sender's handling of every _bulk outcome, against a scripted transport.
#include "sink/bulk_service.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace klaxon {
namespace {

using std::chrono::milliseconds;
using namespace std::string_literals;

// Answers each request with what `answer` returns for the request's document ids.
struct Script {
  std::mutex mutex;
  std::function<BulkReply(const std::vector<std::string>& ids, int call)> answer;
  std::vector<std::vector<std::string>> requests;
};

std::vector<std::string> ids_of(const std::string& ndjson) {
  std::vector<std::string> ids;
  size_t at = 0;
  while ((at = ndjson.find("\"_id\":\"", at)) != std::string::npos) {
    at += 7;
    ids.push_back(ndjson.substr(at, ndjson.find('"', at) - at));
  }
  return ids;
}

class ScriptedTransport : public BulkTransport {
 public:
  explicit ScriptedTransport(Script& s) : s_(s) {}
  BulkReply bulk(const std::string& ndjson) override {
    std::lock_guard<std::mutex> lock(s_.mutex);
    auto ids = ids_of(ndjson);
    s_.requests.push_back(ids);
    return s_.answer(ids, static_cast<int>(s_.requests.size()));
  }

 private:
  Script& s_;
};

BulkDoc doc(int offset) {
  BulkDoc d;
  d.topic = "t";
  d.partition = 0;
  d.offset = offset;
  d.lines = R"({"index":{"_index":"i","_id":")" + std::to_string(offset) + "\"}}\n";
  d.source_begin = d.lines.size();
  d.lines += R"({"message":"m"})"
             "\n";
  return d;
}

std::vector<BulkDoc> docs(int n) {
  std::vector<BulkDoc> v;
  for (int i = 0; i < n; ++i) v.push_back(doc(i));
  return v;
}

BulkReply ok_items(const std::vector<std::string>& ids,
                   const std::function<std::string(const std::string&)>& item) {
  std::string body = R"({"took":1,"errors":true,"items":[)";
  for (size_t i = 0; i < ids.size(); ++i) body += (i ? "," : "") + item(ids[i]);
  return BulkReply{200, body + "]}", "", false};
}

std::string indexed(const std::string& id) {
  return R"({"index":{"_index":"i","_id":")" + id + R"(","status":201}})";
}

class BulkServiceTest : public ::testing::Test {
 protected:
  BulkResults run(std::vector<BulkDoc> batch, size_t in_flight = 2) {
    BulkService service(
        {in_flight, milliseconds(1), milliseconds(5)},
        [this](size_t) { return std::make_unique<ScriptedTransport>(script); }, probe);
    size_t n = batch.size();
    service.submit(std::move(batch));
    EXPECT_TRUE(service.drain(milliseconds(10000)));
    EXPECT_EQ(service.buffered_bytes(), 0u);
    BulkResults r;
    service.take_results(r);
    EXPECT_EQ(r.indexed.size() + r.refused.size(), n);
    return r;
  }

  prometheus::Registry registry;
  SinkProbe probe{registry};
  Script script;
};

TEST_F(BulkServiceTest, AllIndexed) {
  script.answer = [](const auto&, int) {
    return BulkReply{200, R"({"took":1,"errors":false,"items":[]})", "", false};
  };
  BulkResults r = run(docs(10));
  EXPECT_EQ(r.indexed.size(), 10u);
  EXPECT_EQ(script.requests.size(), 1u);
  EXPECT_EQ(probe.indexed.Value(), 10);
}

TEST_F(BulkServiceTest, TransientItemFailuresRetryOnlyThoseItems) {
  // First answer: documents 1 and 3 rejected with 429 and 503; then everything succeeds.
  script.answer = [](const std::vector<std::string>& ids, int call) {
    return ok_items(ids, [call](const std::string& id) {
      if (call == 1 && id == "1")
        return R"({"index":{"_id":"1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}})"s;
      if (call == 1 && id == "3")
        return R"({"index":{"_id":"3","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary not active"}}})"s;
      return indexed(id);
    });
  };
  BulkResults r = run(docs(5));
  EXPECT_EQ(r.indexed.size(), 5u);
  EXPECT_TRUE(r.refused.empty());
  ASSERT_EQ(script.requests.size(), 2u);
  EXPECT_EQ(script.requests[1], (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(probe.retries.Value(), 2);
  EXPECT_EQ(probe.failure("es_rejected_execution_exception").Value(), 1);
  EXPECT_EQ(probe.failure("unavailable_shards_exception").Value(), 1);
}

TEST_F(BulkServiceTest, PermanentItemErrorsAreRefusedWithTypeAndReason) {
  script.answer = [](const std::vector<std::string>& ids, int) {
    return ok_items(ids, [](const std::string& id) {
      if (id == "2")
        return R"({"index":{"_id":"2","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [@timestamp] of type [date]"}}})"s;
      return indexed(id);
    });
  };
  BulkResults r = run(docs(4));
  EXPECT_EQ(r.indexed.size(), 3u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].doc.offset, 2);
  EXPECT_EQ(r.refused[0].reason, "mapper_parsing_exception");
  EXPECT_EQ(r.refused[0].detail, "status 400: failed to parse field [@timestamp] of type [date]");
  EXPECT_EQ(r.refused[0].doc.record_value(), R"({"message":"m"})");
  EXPECT_EQ(script.requests.size(), 1u);  // a permanent error is not retried
}

TEST_F(BulkServiceTest, TooLargeRequestsAreSplitDownToTheDocumentAtFault) {
  // More than 2 documents per request is "too large"; so is any request with document 5.
  script.answer = [](const std::vector<std::string>& ids, int) {
    if (ids.size() > 2 || std::find(ids.begin(), ids.end(), "5") != ids.end())
      return BulkReply{413, "", "", false};
    return ok_items(ids, indexed);
  };
  BulkResults r = run(docs(8), 1);
  EXPECT_EQ(r.indexed.size(), 7u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].doc.offset, 5);
  EXPECT_EQ(r.refused[0].reason, "too_large");
  for (const auto& req : script.requests) EXPECT_LE(req.size(), 8u);
}

TEST_F(BulkServiceTest, WholeRequestFailuresAndDroppedConnectionsRetryEverything) {
  script.answer = [](const std::vector<std::string>& ids, int call) {
    if (call == 1) return BulkReply{0, "", "Connection refused", false};
    if (call == 2) return BulkReply{0, "", "Operation timed out", true};
    if (call == 3)
      return BulkReply{429, R"({"error":{"type":"es_rejected_execution_exception"},"status":429})",
                       "", false};
    if (call == 4) return BulkReply{502, "bad gateway", "", false};
    if (call == 5) return BulkReply{200, "<html>not json</html>", "", false};
    return ok_items(ids, indexed);
  };
  BulkResults r = run(docs(3));
  EXPECT_EQ(r.indexed.size(), 3u);
  EXPECT_EQ(script.requests.size(), 6u);
  for (const char* reason : {"connection", "timeout", "http_429", "http_5xx", "bad_response"})
    EXPECT_EQ(probe.failure(reason).Value(), 1) << reason;
  EXPECT_EQ(probe.retries.Value(), 15);
}

TEST_F(BulkServiceTest, OtherRequestErrorsIsolateTheDocumentAtFault) {
  script.answer = [](const std::vector<std::string>& ids, int) {
    for (const auto& id : ids)
      if (id == "3")
        return BulkReply{400, R"({"error":{"type":"illegal_argument_exception"},"status":400})", "",
                         false};
    return ok_items(ids, indexed);
  };
  BulkResults r = run(docs(6), 1);
  EXPECT_EQ(r.indexed.size(), 5u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].doc.offset, 3);
  EXPECT_EQ(r.refused[0].reason, "http_400");
}

TEST_F(BulkServiceTest, SeveralRequestsInFlightAtOnce) {
  std::atomic<int> inside{0}, most{0};
  script.answer = [](const std::vector<std::string>& ids, int) { return ok_items(ids, indexed); };
  // Requests are serialised by the script's lock, so count concurrency around it.
  class Slow : public BulkTransport {
   public:
    Slow(Script& s, std::atomic<int>& in, std::atomic<int>& most) : t_(s), in_(in), most_(most) {}
    BulkReply bulk(const std::string& body) override {
      int now = ++in_;
      int seen = most_;
      while (now > seen && !most_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(milliseconds(50));
      --in_;
      return t_.bulk(body);
    }

   private:
    ScriptedTransport t_;
    std::atomic<int>& in_;
    std::atomic<int>& most_;
  };
  BulkService service(
      {4, milliseconds(1), milliseconds(5)},
      [&](size_t) { return std::make_unique<Slow>(script, inside, most); }, probe);
  for (int i = 0; i < 8; ++i) service.submit(docs(2));
  EXPECT_TRUE(service.drain(milliseconds(10000)));
  EXPECT_EQ(most.load(), 4);
}

}  // namespace
}  // namespace klaxon
