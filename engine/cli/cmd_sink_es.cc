// `klaxon sink-es`: loads the log topics into Elasticsearch (engine/sink), wired from the
// config's kafka, decode, elasticsearch, metrics and log sections.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "app/engine.h"
#include "app/kafka_options.h"
#include "app/pipeline.h"
#include "cli/commands.h"
#include "cli/logging.h"
#include "config/config.h"
#include "core/backoff.h"
#include "core/error.h"
#include "core/time.h"
#include "metrics/consumer_probe.h"
#include "metrics/metrics_server.h"
#include "metrics/sink_probe.h"
#include "notify/secret.h"
#include "sink/es_sink.h"

namespace klaxon {

extern const char* const kEsIndexTemplate;  // schemas/es-index-template.json, built in

namespace {

EsClientOptions client_options(const EsConfig& es) {
  EsClientOptions o;
  o.urls = es.urls;
  o.timeout = es.request_timeout;
  o.gzip = es.gzip;
  o.username = es.username;
  if (es.password.set()) o.password = read_secret(es.password);
  if (es.api_key.set()) o.api_key = read_secret(es.api_key);
  o.tls.ca_file = es.ca_file;
  o.tls.verify = es.tls_verify;
  return o;
}

template <typename Stop>
void sleep_unless_stopped(std::chrono::milliseconds d, const Stop& stopped) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stopped() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Waits until the cluster answers its health call, then installs the index template.
// Returns 0 when ready, 2 when Elasticsearch refused the template, 1 when stopped first.
template <typename Stop>
int prepare_cluster(EsClient& client, const EsConfig& es, const Stop& stopped) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int failures = 1; !stopped(); ++failures) {
    std::string error;
    std::string status = client.cluster_health(error);
    if (!status.empty()) {
      spdlog::info("elasticsearch {}: cluster status {}", es.urls.front(), status);
      break;
    }
    auto delay =
        backoff_delay(std::chrono::seconds(1), std::chrono::seconds(30), failures, jitter(rng));
    spdlog::warn("elasticsearch {} not reachable ({}); trying again in {}", es.urls.front(), error,
                 format_duration(delay));
    sleep_unless_stopped(delay, stopped);
  }
  if (!es.install_template) return stopped() ? 1 : 0;
  std::string origin = es.template_file.empty() ? "the built-in template" : es.template_file;
  std::string body = es.template_file.empty() ? kEsIndexTemplate : read_text_file(es.template_file);
  for (int failures = 1; !stopped(); ++failures) {
    BulkReply r = client.put_index_template(es.template_name, body);
    if (r.status >= 200 && r.status < 300) {
      spdlog::info("elasticsearch: index template {} installed from {}", es.template_name, origin);
      return 0;
    }
    if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429) {
      spdlog::critical("elasticsearch refused index template {} from {}: HTTP {}: {}",
                       es.template_name, origin, r.status, r.body.substr(0, 1000));
      return 2;
    }
    auto delay =
        backoff_delay(std::chrono::seconds(1), std::chrono::seconds(30), failures, jitter(rng));
    spdlog::warn("elasticsearch: installing index template failed ({}); trying again in {}",
                 r.status ? "HTTP " + std::to_string(r.status) : r.error, format_duration(delay));
    sleep_unless_stopped(delay, stopped);
  }
  return 1;
}

}  // namespace

int sink_es_command(const SinkEsCommand& cmd, ProcessSignals& signals) {
  Config config;
  try {
    config = load_config(cmd.config_file);
    if (!cmd.metrics_listen.empty()) config.metrics.listen = cmd.metrics_listen;
    if (!config.elasticsearch.template_file.empty())
      read_text_file(config.elasticsearch.template_file);  // named in the error when missing
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration:\n%s\n", e.what());
    return 2;
  }
  set_log_level(cmd.log_level, config.log.level);
  const EsConfig& es = config.elasticsearch;
  std::atomic<bool> stopping{false};
  std::mutex running_mutex;  // the signal thread never stops a sink being destroyed
  EsSink* running = nullptr;
  auto set_running = [&](EsSink* sink) {
    std::lock_guard<std::mutex> lock(running_mutex);
    running = sink;
    if (sink && stopping) sink->request_stop();
  };
  auto subscription = signals.subscribe([&](int sig) {
    spdlog::info(
        "signal {}: sending what was read, committing what was indexed, stopping (again: exit at "
        "once)",
        sig);
    std::lock_guard<std::mutex> lock(running_mutex);
    stopping = true;
    if (running) running->request_stop();
  });
  auto stopped = [&] { return stopping.load(); };
  try {
    EsClientOptions client = client_options(es);
    auto registry = std::make_shared<prometheus::Registry>();
    ConsumerProbe consumer_probe(*registry);
    SinkProbe probe(*registry);
    std::unique_ptr<MetricsServer> metrics;
    if (!config.metrics.listen.empty()) {
      metrics = serve_metrics(config.metrics.listen, registry);
      spdlog::info("metrics on {} (port {})", config.metrics.listen, metrics->port());
    }
    {
      EsClient setup(client);
      if (int rc = prepare_cluster(setup, es, stopped); rc != 0) return rc == 1 ? 0 : rc;
    }
    std::string pattern_error;
    auto index = IndexPattern::parse(es.index, pattern_error);  // validated at load
    if (!index) throw std::runtime_error("elasticsearch.index: " + pattern_error);
    KafkaProducer producer(producer_options(config));
    DeadLetterWriter dead_letters(producer, config.kafka.dead_letter_topic, es.group_id,
                                  dead_letter_value_limit(config.kafka.properties));
    BulkService service(
        BulkServiceOptions{static_cast<size_t>(es.max_in_flight), es.retry_initial, es.retry_max},
        [&client](size_t i) {
          EsClientOptions o = client;
          o.first_url = i;
          return std::make_unique<EsClient>(o);
        },
        probe);
    EsSinkOptions options;
    options.bulk_max_docs = static_cast<size_t>(es.bulk_max_docs);
    options.bulk_max_bytes = static_cast<size_t>(es.bulk_max_bytes);
    options.linger = es.linger;
    options.buffer_max_bytes = static_cast<size_t>(es.buffer_max_bytes);
    options.poll_batch = static_cast<size_t>(config.kafka.batch_size);
    options.poll_timeout = config.kafka.poll_timeout;
    options.flush_timeout = config.kafka.flush_timeout;
    options.invalid_log_interval = config.log.invalid_event_interval;
    EsSink sink(options, consumer_options(config, config.elasticsearch.group_id),
                DocEncoder(*index, static_cast<size_t>(config.decode.max_event_bytes)), service,
                dead_letters, consumer_probe, probe);
    spdlog::info("sink-es: group {} reading {} into {} (index {})", es.group_id,
                 config.kafka.topics.front(), es.urls.front(), es.index);
    set_running(&sink);
    try {
      sink.run();
    } catch (...) {
      set_running(nullptr);
      throw;
    }
    set_running(nullptr);
  } catch (const std::exception& e) {
    spdlog::critical("sink-es: {}", e.what());
    return 1;
  }
  return 0;
}

}  // namespace klaxon
