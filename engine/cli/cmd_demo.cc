// `klaxon demo`: the whole system on one machine with the embedded defaults: a mock Kafka
// cluster, the generator producing pay logs, the engine with rules/pay.yaml, and a reader
// that prints every alert read back from the alerts topic. Ends with a summary that sets
// what the engine did against what the generator produced.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "alert/alert.h"
#include "app/engine.h"
#include "app/topics_setup.h"
#include "cli/commands.h"
#include "cli/traffic.h"
#include "core/error.h"
#include "core/text.h"
#include "source/consumer.h"
#include "source/mock_cluster.h"

namespace klaxon {

namespace {

// Prints alerts as they arrive on the alerts topic: proof they went through Kafka.
class AlertPrinter : public ConsumerListener {
 public:
  AlertPrinter(const std::string& bootstrap, const std::string& topic) {
    ConsumerOptions o;
    o.bootstrap_servers = bootstrap;
    o.group_id = "klaxon-demo-printer-" + std::to_string(::getpid());
    o.topics = {topic};
    o.stats_interval = std::chrono::milliseconds(0);
    consumer_ = std::make_unique<KafkaConsumer>(o, *this);
    thread_ = std::thread([this] { loop(); });
  }
  ~AlertPrinter() override { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t printed() const { return printed_; }

 private:
  void loop() {
    RecordBatch batch;
    while (!stop_) {
      batch.clear();
      consumer_->poll_batch(100, std::chrono::milliseconds(100), batch);
      for (const Record& m : batch) {
        Alert a;
        std::string_view doc = m.value;
        if (!from_json(doc, a)) {
          std::printf("unreadable alert document: %.*s\n", static_cast<int>(doc.size()),
                      doc.data());
          continue;
        }
        ++printed_;
        std::printf("\n%s", to_text(a, 8).c_str());
        std::fflush(stdout);
      }
    }
    consumer_->close();
  }
  std::unique_ptr<KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> printed_{0};
};

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

const char* mark(bool ok) { return ok ? "ok" : "MISMATCH"; }

// "5m", or "1m to 10m" when the rules differ.
std::string realert_windows(const Matcher& matcher) {
  int64_t low = -1, high = 0;
  for (const Rule& r : matcher.rules()) {
    int64_t ms = r.realert.count();
    low = low < 0 ? ms : std::min(low, ms);
    high = std::max(high, ms);
  }
  if (low == high) return human_duration(high) + " in these rules";
  return human_duration(low) + " to " + human_duration(high) + " in these rules";
}

}  // namespace

// Removes the demo's state directory on every way out.
struct RemovedAtExit {
  std::filesystem::path path;
  ~RemovedAtExit() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

int demo_command(const DemoCommand& cmd, ProcessSignals& signals) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  // Destroyed in reverse: the subscription (no callback runs after it), the engine, then
  // its state directory.
  RemovedAtExit state_cleanup;
  std::unique_ptr<Engine> engine;
  std::atomic<Engine*> running{nullptr};  // for SIGHUP, once the engine exists
  // Subscribed first: Ctrl-C during start-up still ends in the summary and the clean-up.
  auto subscription = signals.subscribe(
      [&](int) {
        stop = true;
        cv.notify_all();
      },
      [&running] {
        if (Engine* e = running.load()) e->reloader().request_reload();
      });

  MockCluster cluster(3);
  Config config;
  config.kafka.bootstrap_servers = cluster.bootstrap_servers();
  for (const auto& t :
       {config.kafka.topics.front(), config.kafka.alerts_topic, config.kafka.dead_letter_topic})
    cluster.create_topic(t, 3, 3);
  create_internal_topics(cluster, config.kafka.group_id, 3, 3);
  config.rules.set_path_from_command_line(cmd.rules_path);
  config.alert.log_alerts = false;  // the printer shows them, read back from Kafka
  config.metrics.listen = cmd.metrics_listen;
  auto state_dir =
      std::filesystem::temp_directory_path() / ("klaxon-demo-" + std::to_string(::getpid()));
  config.state.dir = state_dir.string();
  config.state.sync = false;  // a throw-away directory
  state_cleanup.path = state_dir;

  std::printf("klaxon demo: mock Kafka at %s, rules %s, state in %s\n",
              config.kafka.bootstrap_servers.c_str(), cmd.rules_path.c_str(),
              config.state.dir.c_str());
  try {
    try {
      engine = std::make_unique<Engine>(config);
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("cannot serve metrics") == std::string::npos) throw;
      spdlog::warn("metrics: {} is taken; using a free port instead (--metrics-listen sets it)",
                   cmd.metrics_listen);
      config.metrics.listen = "127.0.0.1:0";
      engine = std::make_unique<Engine>(config);
    }
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid rules:\n%s\n", e.what());
    return 2;
  }
  running = engine.get();
  std::string metrics_url =
      "http://127.0.0.1:" + std::to_string(engine->metrics_port()) + "/metrics";
  std::string how_long =
      cmd.keep_running
          ? "until Ctrl-C"
          : "for about " + human_duration(static_cast<int64_t>(cmd.duration_seconds * 1000));
  std::printf("metrics at %s while the demo runs (%s)\n", metrics_url.c_str(), how_long.c_str());
  std::fflush(stdout);
  std::thread engine_thread([&] {
    try {
      engine->run();
    } catch (const std::exception& e) {
      spdlog::critical("engine stopped: {}", e.what());
      stop = true;
      cv.notify_all();
    }
  });
  AlertPrinter printer(config.kafka.bootstrap_servers, config.kafka.alerts_topic);

  GeneratorOptions gen_options;
  gen_options.seed = cmd.seed;
  gen_options.invalid_ratio = 0.002;
  Generator generator(gen_options);
  KafkaProducer producer(
      ProducerOptions{config.kafka.bootstrap_servers, {}, std::chrono::milliseconds(5), true});
  std::atomic<bool> stop_traffic{false};
  std::atomic<uint64_t> generated{0};
  auto started = std::chrono::steady_clock::now();
  std::thread traffic([&] {
    generated +=
        produce_traffic(generator, producer,
                        TrafficOptions{config.kafka.topics.front(), cmd.burst, 0}, stop_traffic);
    generated +=
        produce_traffic(generator, producer,
                        TrafficOptions{config.kafka.topics.front(), 0, cmd.rate}, stop_traffic);
  });

  // The burst shows the engine's own speed: from its first record until it has caught up.
  std::atomic<double> burst_rate{0};
  std::thread monitor([&] {
    using clock = std::chrono::steady_clock;
    clock::time_point first{};
    uint64_t at_first = 0;
    while (!stop_traffic.load()) {
      uint64_t n = engine->stats().events.load();
      if (n > 0 && first == clock::time_point{}) {
        first = clock::now();
        at_first = n;
      }
      if (n >= static_cast<uint64_t>(cmd.burst) && first != clock::time_point{}) {
        double secs = std::chrono::duration<double>(clock::now() - first).count();
        if (secs > 0) burst_rate = static_cast<double>(n - at_first) / secs;
        // Why it goes quiet now: the groups of the burst have alerted once and wait out
        // their realert windows; the steady traffic mostly repeats them.
        std::printf(
            "\n-- the burst of %s is processed; %.0f events/s follow. Few alerts from here: "
            "each group alerted once and stays quiet for its realert window (%s), counting "
            "what it suppresses. Metrics: %s\n",
            plural(static_cast<uint64_t>(cmd.burst), "event").c_str(), cmd.rate,
            realert_windows(engine->matcher()).c_str(), metrics_url.c_str());
        std::fflush(stdout);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  // Traffic stops two seconds before the end so the engine can drain and alerts arrive.
  auto traffic_for = std::chrono::duration<double>(std::max(1.0, cmd.duration_seconds - 2));
  {
    std::unique_lock lock(mu);
    if (cmd.keep_running) {
      cv.wait(lock, [&] { return stop.load(); });
    } else {
      cv.wait_for(lock, traffic_for, [&] { return stop.load(); });
    }
  }
  stop_traffic = true;
  traffic.join();
  monitor.join();
  uint64_t total = generated.load();
  bool drained =
      wait_until([&] { return engine->stats().events.load() >= total; }, std::chrono::seconds(15));
  // Matches cross the repartition topic to their state partitions: wait until all arrived.
  wait_until(
      [&] { return engine->stats().matches_applied.load() >= engine->stats().matches.load(); },
      std::chrono::seconds(10));
  wait_until(
      [&] { return engine->stats().alerts_delivered.load() >= engine->stats().alerts.load(); },
      std::chrono::seconds(5));
  wait_until([&] { return printer.printed() >= engine->stats().alerts.load(); },
             std::chrono::seconds(5));
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  engine->stop();
  engine_thread.join();
  printer.stop();

  const PipelineStats& s = engine->stats();
  const GeneratorStats& g = generator.stats();
  auto kind = [&](EventKind k) {
    auto it = g.by_kind.find(k);
    return it == g.by_kind.end() ? uint64_t{0} : it->second;
  };
  std::printf("\n== klaxon demo summary (%.1f s) ==\n", elapsed);
  std::printf(
      "generated  %llu events: %llu ERROR lines (+%llu carrying exclude keywords), "
      "%llu stack traces of %zu distinct bugs, %llu malformed\n",
      static_cast<unsigned long long>(total),
      static_cast<unsigned long long>(kind(EventKind::error)),
      static_cast<unsigned long long>(kind(EventKind::error_excluded)),
      static_cast<unsigned long long>(kind(EventKind::exception_stack)), g.stack_by_bug.size(),
      static_cast<unsigned long long>(kind(EventKind::invalid)));
  std::printf("engine     %s, %s, %s, %llu suppressed, %llu invalid (sent to %s)%s\n",
              plural(s.events.load(), "event").c_str(),
              plural(s.matches.load(), "match", "matches").c_str(),
              plural(s.alerts.load(), "alert").c_str(),
              static_cast<unsigned long long>(s.suppressed.load()),
              static_cast<unsigned long long>(s.invalid.load()),
              config.kafka.dead_letter_topic.c_str(), drained ? "" : "  (not fully drained)");
  if (burst_rate.load() > 0)
    std::printf(
        "speed      %.0f events/s while catching up with the burst of %lld events "
        "(consume, decode, match, RocksDB state, alerts, commits; 1 pipeline thread)\n",
        burst_rate.load(), static_cast<long long>(cmd.burst));
  std::printf("read back %s from %s\n", plural(printer.printed(), "alert").c_str(),
              config.kafka.alerts_topic.c_str());
  bool all_ok = drained;
  if (std::filesystem::path(cmd.rules_path).filename() == "pay.yaml") {
    // rules/pay.yaml: ERROR lines without exclude keywords and every stack trace match; one
    // alert for the ERROR-line rule and one per distinct bug inside the 5-minute window.
    uint64_t want_matches = kind(EventKind::error) + kind(EventKind::exception_stack);
    uint64_t want_alerts = (kind(EventKind::error) > 0 ? 1 : 0) + g.stack_by_bug.size();
    bool m_ok = s.matches.load() == want_matches;
    bool a_ok = s.alerts.load() == want_alerts && printer.printed() == want_alerts &&
                s.alerts.load() + s.suppressed.load() == s.matches.load();
    bool i_ok = s.invalid.load() == kind(EventKind::invalid);
    std::printf("check      matches %llu = ERROR lines + stack traces %llu: %s\n",
                static_cast<unsigned long long>(s.matches.load()),
                static_cast<unsigned long long>(want_matches), mark(m_ok));
    std::printf("check      alerts %llu = 1 ERROR-line group + %zu bugs, all read back: %s\n",
                static_cast<unsigned long long>(s.alerts.load()), g.stack_by_bug.size(),
                mark(a_ok));
    std::printf("check      invalid %llu = malformed generated %llu: %s\n",
                static_cast<unsigned long long>(s.invalid.load()),
                static_cast<unsigned long long>(kind(EventKind::invalid)), mark(i_ok));
    all_ok = all_ok && m_ok && a_ok && i_ok;
  }
  std::printf("metrics    were at %s while the demo ran (DEMO_ARGS=--keep-running keeps them up)\n",
              metrics_url.c_str());
  return all_ok ? 0 : 1;
}

}  // namespace klaxon
