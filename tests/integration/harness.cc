#include "integration/harness.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/topics_setup.h"
#include "gen/generator.h"
#include "source/consumer.h"
#include "source/producer.h"

namespace klaxon::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/klaxon-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (p == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = p;
}

TempDir::~TempDir() {
  if (std::getenv("KLAXON_KEEP_TEST_DIRS")) {  // for reading a failed run's logs afterwards
    std::fprintf(stderr, "kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

KafkaCluster::KafkaCluster() : cluster_(3) {
  for (const char* t : {"pay_log_topic", "pay_alerts", "pay_log_dead_letter"})
    cluster_.create_topic(t, 3, 3);
  create_internal_topics(cluster_, "klaxon", 3, 3);
}

void KafkaCluster::produce(const std::string& topic,
                           const std::vector<std::pair<std::string, std::string>>& kv,
                           const std::map<std::string, std::string>& properties) {
  KafkaProducer producer(
      ProducerOptions{bootstrap(), properties, std::chrono::milliseconds(1), true});
  std::string error;
  for (const auto& [k, v] : kv)
    ASSERT_TRUE(producer.produce(topic, k, v, {}, nullptr, &error)) << error;
  ASSERT_TRUE(producer.flush(std::chrono::seconds(30)));
  ASSERT_EQ(producer.failed_without_callback(), 0u);
}

void KafkaCluster::produce_at(const std::string& topic,
                              const std::vector<std::pair<std::string, std::string>>& kv,
                              int64_t timestamp_ms) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  for (const auto& [k, v] : kv) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(const_cast<char*>(k.data()), k.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_END);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

namespace {
struct RdKafkaHandle {
  rd_kafka_t* rk = nullptr;
  ~RdKafkaHandle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

rd_kafka_t* plain_consumer(const std::string& bootstrap, const std::string& group) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  return rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int n = 0;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return n;
}
}  // namespace

std::vector<Record> KafkaCluster::read(const std::string& topic, size_t count,
                                       std::chrono::milliseconds timeout) {
  RdKafkaHandle h{plain_consumer(bootstrap(), "klaxon-test-reader")};
  int parts = partition_count(h.rk, topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(h.rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Record> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(h.rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Record r;
      r.key.assign(static_cast<const char*>(m->key), m->key ? m->key_len : 0);
      r.value.assign(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
      r.partition = m->partition;
      r.offset = m->offset;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i)
          r.headers[name] = std::string(static_cast<const char*>(value), size);
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(h.rk);
  return out;
}

std::map<int32_t, int64_t> KafkaCluster::end_offsets(const std::string& topic) {
  RdKafkaHandle h{plain_consumer(bootstrap(), "klaxon-test-watermarks")};
  std::map<int32_t, int64_t> out;
  int parts = partition_count(h.rk, topic);
  for (int p = 0; p < parts; ++p) {
    int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(h.rk, topic.c_str(), p, &lo, &hi, 10'000);
    out[p] = hi;
  }
  return out;
}

std::vector<Record> KafkaCluster::read_all(const std::string& topic) {
  size_t total = 0;
  for (auto [p, hi] : end_offsets(topic)) total += static_cast<size_t>(hi);
  return read(topic, total);
}

std::map<int32_t, int64_t> KafkaCluster::committed(const std::string& group,
                                                   const std::string& topic) {
  RdKafkaHandle h{plain_consumer(bootstrap(), group)};
  int parts = partition_count(h.rk, topic);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_committed(h.rk, list, 10'000);
  std::map<int32_t, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

Config test_config(const KafkaCluster& cluster, const TempDir& dir, const std::string& rules_path) {
  Config c;
  c.kafka.bootstrap_servers = cluster.bootstrap();
  c.kafka.commit_interval = std::chrono::milliseconds(200);
  c.kafka.poll_timeout = std::chrono::milliseconds(50);
  c.rules.path = rules_path;
  c.state.dir = dir.file("state");
  c.state.sync = false;
  c.metrics.listen = "127.0.0.1:0";
  c.alert.log_alerts = false;
  // librdkafka's mock holds a group in "Joining" for session.timeout.ms - 1 s after its last
  // member left or died (44 s by default); a short session keeps restarts quick.
  c.kafka.properties["session.timeout.ms"] = "6000";
  c.kafka.properties["heartbeat.interval.ms"] = "500";
  return c;
}

RunningEngine::RunningEngine(const Config& config) : engine_(std::make_unique<Engine>(config)) {
  thread_ = std::thread([this] {
    try {
      engine_->run();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  });
}

RunningEngine::~RunningEngine() { stop(); }

void RunningEngine::stop() {
  if (!thread_.joinable()) return;
  engine_->stop();
  thread_.join();
}

bool RunningEngine::wait(const std::function<bool(const PipelineStats&)>& pred,
                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred(engine_->stats())) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int http_get(int port, const std::string& path, std::string& body) {
  return http_request(port, "GET", path, "", body);
}

int http_request(int port, const std::string& method, const std::string& path,
                 const std::string& request_body, std::string& body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!request_body.empty() || method != "GET")
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(request_body.size()) +
        "\r\n";
  req += "\r\n" + request_body;
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  size_t sp = response.find(' ');
  size_t hdr_end = response.find("\r\n\r\n");
  if (sp == std::string::npos || hdr_end == std::string::npos) return -1;
  body = response.substr(hdr_end + 4);
  return std::atoi(response.c_str() + sp + 1);
}

double scrape_metric(int port, const std::string& metric, const std::vector<std::string>& labels) {
  std::string body;
  if (http_get(port, "/metrics", body) != 200) return -1;
  return metric_value(body, metric, labels);
}

std::string child_config_yaml(const KafkaCluster& kafka, const TempDir& dir, int metrics_port) {
  return "kafka:\n  bootstrap_servers: " + kafka.bootstrap() +
         "\n  poll_timeout: 50ms\n"
         "  properties:\n    session.timeout.ms: 6000\n    heartbeat.interval.ms: 500\n"
         "rules:\n  path: " +
         source_path("rules/pay.yaml") + "\nstate:\n  dir: " + dir.file("state") +
         "\nmetrics:\n  listen: 127.0.0.1:" + std::to_string(metrics_port) + "\n";
}

double metric_value(const std::string& exposition, const std::string& metric,
                    const std::vector<std::string>& labels) {
  std::istringstream in(exposition);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, metric.size(), metric) != 0) continue;
    char next = line.size() > metric.size() ? line[metric.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (!all) continue;
    sum += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return sum;
}

std::string source_path(const std::string& relative) {
  return std::string(KLAXON_SOURCE_DIR) + "/" + relative;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

#ifdef KLAXON_BINARY
Child::Child(const std::string& config, const std::string& log, const std::string& command,
             const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {KLAXON_BINARY, command, "--config", config};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(KLAXON_BINARY, args.data());
    ::_exit(127);
  }
}

CliResult run_klaxon(const TempDir& dir, const std::string& args) {
  std::string out = dir.file("cli.stdout"), err = dir.file("cli.stderr");
  std::string cmd = std::string(KLAXON_BINARY) + " " + args + " >" + out + " 2>" + err;
  int rc = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}
#else
Child::Child(const std::string&, const std::string&, const std::string&,
             const std::vector<std::string>&) {
  ADD_FAILURE() << "this test target has no KLAXON_BINARY";
}

CliResult run_klaxon(const TempDir&, const std::string&) {
  ADD_FAILURE() << "this test target has no KLAXON_BINARY";
  return {};
}
#endif

Child::~Child() {
  if (pid_ > 0) kill(SIGKILL);
}

std::optional<int> Child::exited() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int Child::kill(int sig) {
  if (pid_ <= 0) return -1;  // ::kill(-1, ...) would signal every process of the user
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

bool wait_until(const std::function<bool()>& pred, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

std::vector<std::pair<std::string, std::string>> pay_traffic(uint64_t seed, int64_t start_ms,
                                                             int count,
                                                             std::set<std::string>* bugs) {
  GeneratorOptions o;
  o.seed = seed;
  o.error_ratio = 0.2;
  Generator g(o);
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < count; ++i) {
    GeneratedEvent e = g.next(start_ms + i);
    if (bugs && e.kind == EventKind::exception_stack) bugs->insert(e.bug);
    out.emplace_back(e.key, e.payload);
  }
  return out;
}

Process::Process(const std::vector<std::string>& argv, const std::string& output)
    : output_(output) {
  pid_ = ::fork();
  if (pid_ == 0) {
    FILE* f = std::freopen(output.c_str(), "a", stdout);
    (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0) kill(SIGKILL);
}

bool Process::wait_output(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (slurp(output_).find(text) != std::string::npos) return true;
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void Process::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

bool Process::running() {
  int status = 0;
  if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

int Process::kill(int sig) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace klaxon::testing
