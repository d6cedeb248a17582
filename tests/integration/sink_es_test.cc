// `klaxon sink-es` as deployed: the binary as a child process, librdkafka's mock cluster, and
// tests/tools/es_server.py, which answers the Elasticsearch REST calls as Elasticsearch
// documents them and injects faults (429s, partial failures, 413, slow answers, dropped
// connections). Each test checks what a user relies on: every event ends up in the index
// exactly once by _id, or in the dead-letter topic with the reason; offsets are committed
// only for those.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "integration/harness.h"

namespace klaxon::testing {
namespace {

const char* kPython = "/usr/bin/python3";
constexpr int64_t kStartMs = 1795515330000;  // 2026-11-24T10:15:30Z

struct IndexedDoc {
  std::string index;
  int64_t version = 0;
  std::string source;
};

// The ES-protocol server as a child process.
class EsServer {
 public:
  EsServer(const TempDir& dir, const std::vector<std::string>& flags) : port_(free_port()) {
    std::vector<std::string> argv = {kPython, source_path("tests/tools/es_server.py"), "--port",
                                     std::to_string(port_)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<Process>(argv, dir.file("es.out"));
    ready_ = process_->wait_output("ready");
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string url(const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }

  // Every stored document by _id.
  std::map<std::string, IndexedDoc> docs() {
    std::string body;
    EXPECT_EQ(http_get(port_, "/_test/docs", body), 200);
    std::map<std::string, IndexedDoc> out;
    std::istringstream in(body);
    std::string line;
    simdjson::dom::parser parser;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      simdjson::dom::element e;
      if (parser.parse(line).get(e)) {
        ADD_FAILURE() << "bad /_test/docs line " << line;
        continue;
      }
      std::string id{std::string_view(e["_id"])};
      EXPECT_EQ(out.count(id), 0u) << "document " << id << " listed twice";
      out[id] = IndexedDoc{std::string(std::string_view(e["_index"])), int64_t(e["_version"]),
                           simdjson::minify(e["source"])};
    }
    return out;
  }
  std::string stats() {
    std::string body;
    http_get(port_, "/_test/stats", body);
    return body;
  }
  void set_faults(const std::string& json) {
    std::string body;
    EXPECT_EQ(http_request(port_, "POST", "/_fault", json, body), 200) << body;
  }

 private:
  int port_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

std::string sink_config(const KafkaCluster& kafka, const EsServer& es, int metrics_port,
                        const std::string& es_extra = "") {
  return "kafka:\n  bootstrap_servers: " + kafka.bootstrap() +
         "\n  poll_timeout: 50ms\n  commit_interval: 200ms\n"
         "  properties:\n    session.timeout.ms: 6000\n    heartbeat.interval.ms: 500\n"
         "    fetch.wait.max.ms: 10\n"
         "elasticsearch:\n  urls: [" +
         es.url() +
         "]\n  linger: 50ms\n  bulk_max_docs: 300\n  retry_initial: 20ms\n  retry_max: 300ms\n" +
         es_extra + "metrics:\n  listen: 127.0.0.1:" + std::to_string(metrics_port) + "\n";
}

// Every partition's committed offset of the sink's group has reached the topic's end.
bool all_committed(KafkaCluster& kafka) {
  auto end = kafka.end_offsets("pay_log_topic");
  auto committed = kafka.committed("klaxon-es-sink", "pay_log_topic");
  for (auto [p, hi] : end)
    if (committed[p] != hi) return false;
  return true;
}

std::string id_of(int32_t partition, int64_t offset) {
  return "pay_log_topic-" + std::to_string(partition) + "-" + std::to_string(offset);
}

// The _id of the record a dead letter names in klaxon.source ("topic/partition/offset").
std::string id_from_source(const Record& dead) {
  const std::string& s = dead.headers.at("klaxon.source");
  size_t a = s.find('/'), b = s.rfind('/');
  return id_of(std::stoi(s.substr(a + 1, b - a - 1)), std::stoll(s.substr(b + 1)));
}

// The ids every record of the topic must get.
std::set<std::string> expected_ids(KafkaCluster& kafka) {
  std::set<std::string> ids;
  for (auto [p, hi] : kafka.end_offsets("pay_log_topic"))
    for (int64_t o = 0; o < hi; ++o) ids.insert(id_of(p, o));
  return ids;
}

// Events carrying the field the server's reject_field fault refuses.
std::vector<std::pair<std::string, std::string>> poison(int count) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < count; ++i)
    out.emplace_back("poison-" + std::to_string(i),
                     R"({"message":"unmappable )" + std::to_string(i) +
                         R"(","@timestamp":"2026-11-24T10:15:30.000Z","type":"pay","poison":1})");
  return out;
}

TEST(SinkEs, IndexesEveryEventOnceByIdInstallsTheTemplateAndDeadLettersUndecodable) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  auto traffic = pay_traffic(7, kStartMs, 1200);
  traffic.emplace_back("bad-1", R"({"message":"cut in half)");
  traffic.emplace_back("bad-2", "\xff\xfe not utf-8");
  kafka.produce("pay_log_topic", traffic);
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml")) << sink_config(kafka, es, metrics);
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");

  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 60)) << slurp(dir.file("sink.log"));
  auto docs = es.docs();
  auto dead = kafka.read("pay_log_dead_letter", 2);
  ASSERT_EQ(dead.size(), 2u);
  std::set<std::string> ids = expected_ids(kafka);
  for (const auto& d : dead) {
    ids.erase(id_from_source(d));
    EXPECT_TRUE(d.headers.at("klaxon.reason") == "malformed_json" ||
                d.headers.at("klaxon.reason") == "invalid_utf8")
        << d.headers.at("klaxon.reason");
  }
  EXPECT_EQ(docs.size(), 1200u);
  for (const auto& id : ids) {
    ASSERT_EQ(docs.count(id), 1u) << id;
    EXPECT_EQ(docs[id].version, 1) << id;  // indexed once
  }
  // Logstash's index naming on the event's own day; the source is the event.
  const IndexedDoc& any = docs.begin()->second;
  EXPECT_EQ(any.index.rfind("logstash-", 0), 0u) << any.index;
  EXPECT_NE(any.index.find("-2026.11.24"), std::string::npos) << any.index;
  EXPECT_NE(any.source.find("\"@timestamp\""), std::string::npos);
  EXPECT_NE(es.stats().find("klaxon-logstash"), std::string::npos) << es.stats();
  EXPECT_EQ(scrape_metric(metrics, "klaxon_es_documents_total", {"result=\"indexed\""}), 1200);
  EXPECT_EQ(scrape_metric(metrics, "klaxon_dead_letters_total"), 2);
  EXPECT_EQ(sink.kill(SIGTERM), 0) << slurp(dir.file("sink.log"));
}

TEST(SinkEs, TransientFailuresAreRetriedUntilEveryDocumentIsIn) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {"--item-429-rate", "0.2", "--item-503-rate", "0.1", "--bulk-429-every", "3",
                    "--drop-every", "2", "--delay-ms", "20", "--seed", "3"});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  kafka.produce("pay_log_topic", pay_traffic(8, kStartMs, 1500));
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml"))
      << sink_config(kafka, es, metrics, "  request_timeout: 2s\n  gzip: true\n");
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");

  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 90)) << slurp(dir.file("sink.log"));
  auto docs = es.docs();
  std::set<std::string> ids = expected_ids(kafka);
  EXPECT_EQ(docs.size(), ids.size());
  for (const auto& id : ids) EXPECT_EQ(docs.count(id), 1u) << id;
  EXPECT_TRUE(kafka.read_all("pay_log_dead_letter").empty());
  EXPECT_GT(scrape_metric(metrics, "klaxon_es_retries_total"), 0);
  for (const char* reason :
       {"es_rejected_execution_exception", "unavailable_shards_exception", "http_429"})
    EXPECT_GT(scrape_metric(metrics, "klaxon_es_failures_total",
                            {"reason=\"" + std::string(reason) + "\""}),
              0)
        << reason;
  // A dropped connection is a transport error (connection or timeout, by libcurl's words).
  EXPECT_GT(scrape_metric(metrics, "klaxon_es_failures_total", {"reason=\"connection\""}) +
                scrape_metric(metrics, "klaxon_es_failures_total", {"reason=\"timeout\""}),
            0)
      << es.stats();
  std::string stats = es.stats();
  simdjson::dom::parser parser;
  int64_t gzip_requests = 0;
  ASSERT_FALSE(parser.parse(stats)["gzip_requests"].get(gzip_requests)) << stats;
  EXPECT_GT(gzip_requests, 0) << stats;  // gzip: true compressed the bodies
}

TEST(SinkEs, PermanentFailuresGoToTheDeadLetterTopicWithTheirReason) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {"--reject-field", "poison"});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  auto traffic = pay_traffic(9, kStartMs, 500);
  auto bad = poison(7);
  traffic.insert(traffic.begin() + 100, bad.begin(), bad.end());
  kafka.produce("pay_log_topic", traffic);
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml")) << sink_config(kafka, es, metrics);
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");

  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 60)) << slurp(dir.file("sink.log"));
  auto dead = kafka.read("pay_log_dead_letter", 7);
  ASSERT_EQ(dead.size(), 7u);
  std::set<std::string> keys;
  for (const auto& d : dead) {
    keys.insert(d.key);
    EXPECT_TRUE(d.headers.at("klaxon.reason") == "mapper_parsing_exception" ||
                d.headers.at("klaxon.reason") == "document_parsing_exception")
        << d.headers.at("klaxon.reason");
    EXPECT_NE(d.headers.at("klaxon.detail").find("status 400"), std::string::npos)
        << d.headers.at("klaxon.detail");
    EXPECT_NE(d.value.find("\"poison\":1"), std::string::npos);  // the record, unchanged
  }
  EXPECT_EQ(keys.size(), 7u);
  EXPECT_EQ(es.docs().size(), 500u);
  EXPECT_EQ(scrape_metric(metrics, "klaxon_es_documents_total", {"result=\"dead_lettered\""}), 7);
}

TEST(SinkEs, TooLargeRequestsAreSplitAndATooLargeDocumentIsDeadLettered) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {"--max-request-bytes", "20000"});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  auto traffic = pay_traffic(10, kStartMs, 400);
  traffic.emplace_back("huge", R"({"message":")" + std::string(30000, 'x') +
                                   R"(","@timestamp":"2026-11-24T10:15:30.000Z","type":"pay"})");
  kafka.produce("pay_log_topic", traffic);
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml"))
      << sink_config(kafka, es, metrics, "  bulk_max_bytes: 1048576\n");
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");

  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 60)) << slurp(dir.file("sink.log"));
  auto dead = kafka.read("pay_log_dead_letter", 1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].headers.at("klaxon.original_key"), "huge");
  EXPECT_EQ(dead[0].key, dead[0].headers.at("klaxon.source") + "@klaxon-es-sink");
  EXPECT_EQ(dead[0].headers.at("klaxon.reason"), "too_large");
  EXPECT_EQ(es.docs().size(), 400u);
  EXPECT_GT(scrape_metric(metrics, "klaxon_es_failures_total", {"reason=\"too_large\""}), 1);
}

TEST(SinkEs, SlowElasticsearchPausesPartitionsInsteadOfBuffering) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {"--delay-ms", "400"});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  kafka.produce("pay_log_topic", pay_traffic(11, kStartMs, 6000));
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml"))
      << sink_config(kafka, es, metrics,
                     "  bulk_max_bytes: 65536\n  buffer_max_bytes: 1048576\n  max_in_flight: 2\n");
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");

  double most_paused = 0, most_buffered = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        most_paused = std::max(most_paused, scrape_metric(metrics, "klaxon_es_paused_partitions"));
        most_buffered = std::max(most_buffered, scrape_metric(metrics, "klaxon_es_buffered_bytes"));
        return all_committed(kafka);
      },
      120))
      << slurp(dir.file("sink.log"));
  EXPECT_GT(most_paused, 0);
  // Bounded: each poll takes only what fits in the room left, so the buffer passes the limit
  // by a few documents at most (6,000 documents of about 1 KB would be 6 MB).
  EXPECT_LT(most_buffered, 1.5 * 1048576) << most_buffered;
  EXPECT_EQ(es.docs().size(), 6000u);
}

TEST(SinkEs, KilledDuringFaultsRestartsWithNothingLostAndNothingDuplicated) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {"--item-429-rate", "0.1", "--drop-every", "7", "--reject-field", "poison",
                    "--delay-ms", "30", "--seed", "5"});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  auto traffic = pay_traffic(12, kStartMs, 4000);
  auto bad = poison(5);
  traffic.insert(traffic.begin() + 2000, bad.begin(), bad.end());
  kafka.produce("pay_log_topic", traffic);
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml")) << sink_config(kafka, es, metrics);
  {
    Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");
    ASSERT_TRUE(wait_until([&] { return es.docs().size() >= 1000; }, 60))
        << slurp(dir.file("sink.log"));
    EXPECT_EQ(sink.kill(SIGKILL), -SIGKILL);
  }
  ASSERT_FALSE(all_committed(kafka));
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");
  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 120)) << slurp(dir.file("sink.log"));

  auto docs = es.docs();
  std::set<std::string> ids = expected_ids(kafka);
  std::set<std::string> dead_keys;
  for (const auto& d : kafka.read_all("pay_log_dead_letter")) {
    EXPECT_NE(d.headers.at("klaxon.detail"), "");
    dead_keys.insert(d.key);
    ids.erase(id_from_source(d));
  }
  EXPECT_EQ(dead_keys.size(), 5u);  // each poison event, at least once
  EXPECT_EQ(docs.size(), ids.size());
  for (const auto& id : ids) EXPECT_EQ(docs.count(id), 1u) << id;  // once by _id, none lost
}

TEST(SinkEs, BasicAuthAndApiKeyAreSent) {
  for (bool api_key : {false, true}) {
    KafkaCluster kafka;
    TempDir dir;
    EsServer es(dir, api_key ? std::vector<std::string>{"--api-key", "a2V5LWlkOnNlY3JldA=="}
                             : std::vector<std::string>{"--basic-auth", "elastic:s3cret"});
    ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
    setenv("KLAXON_TEST_ES_SECRET", api_key ? "a2V5LWlkOnNlY3JldA==" : "s3cret", 1);
    kafka.produce("pay_log_topic", pay_traffic(13, kStartMs, 50));
    int metrics = free_port();
    std::ofstream(dir.file("sink.yaml"))
        << sink_config(kafka, es, metrics,
                       api_key ? "  api_key_env: KLAXON_TEST_ES_SECRET\n"
                               : "  username: elastic\n  password_env: KLAXON_TEST_ES_SECRET\n");
    Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");
    ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 60))
        << slurp(dir.file("sink.log"));
    EXPECT_EQ(es.docs().size(), 50u);
    EXPECT_EQ(slurp(dir.file("sink.log")).find(api_key ? "a2V5LWlkOnNlY3JldA==" : "s3cret"),
              std::string::npos);
  }
}

TEST(SinkEs, HttpsVerifiesTheServerAgainstTheConfiguredCa) {
  KafkaCluster kafka;
  TempDir dir;
  std::string cert = dir.file("es.pem"), key = dir.file("es.key");
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
                         " -addext subjectAltName=IP:127.0.0.1 -keyout " +
                         key + " -out " + cert + " 2>/dev/null")
                            .c_str()),
            0);
  EsServer es(dir, {"--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  kafka.produce("pay_log_topic", pay_traffic(14, kStartMs, 50));
  // The server speaks only https here: what it stored is read from the sink's side (its
  // metrics and committed offsets).
  int metrics = free_port();
  auto config = [&](const std::string& tls) {
    return "kafka:\n  bootstrap_servers: " + kafka.bootstrap() +
           "\n  poll_timeout: 50ms\n  commit_interval: 200ms\n"
           "elasticsearch:\n  urls: [" +
           es.url("https") + "]\n  linger: 50ms\n" + tls +
           "metrics:\n  listen: 127.0.0.1:" + std::to_string(metrics) + "\n";
  };
  {
    // Verification is on by default: a certificate no trusted CA signed is refused.
    std::ofstream(dir.file("untrusted.yaml")) << config("");
    Child sink(dir.file("untrusted.yaml"), dir.file("untrusted.log"), "sink-es");
    ASSERT_TRUE(wait_until(
        [&] { return slurp(dir.file("untrusted.log")).find("not reachable") != std::string::npos; },
        30));
    EXPECT_NE(slurp(dir.file("untrusted.log")).find("certificate"), std::string::npos)
        << slurp(dir.file("untrusted.log"));
    EXPECT_EQ(scrape_metric(metrics, "klaxon_es_documents_total"), 0);
  }
  std::ofstream(dir.file("sink.yaml")) << config("  ca_file: " + cert + "\n");
  Child sink(dir.file("sink.yaml"), dir.file("sink.log"), "sink-es");
  ASSERT_TRUE(wait_until([&] { return all_committed(kafka); }, 60)) << slurp(dir.file("sink.log"));
  EXPECT_EQ(scrape_metric(metrics, "klaxon_es_documents_total", {"result=\"indexed\""}), 50);
}

TEST(SinkEs, RefusedTemplateStopsWithTheReason) {
  KafkaCluster kafka;
  TempDir dir;
  EsServer es(dir, {});
  ASSERT_TRUE(es.ready()) << slurp(dir.file("es.out"));
  std::ofstream(dir.file("template.json")) << R"({"index_patterns":["logstash-*"],
    "template":{"mappings":{"properties":{"message":{"type":"txt"}}}}})";
  int metrics = free_port();
  std::ofstream(dir.file("sink.yaml"))
      << sink_config(kafka, es, metrics, "  template_file: " + dir.file("template.json") + "\n");
  auto r = run_klaxon(dir, "sink-es --config " + dir.file("sink.yaml"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("refused index template klaxon-logstash"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace klaxon::testing
