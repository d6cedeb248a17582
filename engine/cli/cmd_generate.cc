#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "cli/traffic.h"
#include "core/text.h"
#include "core/time.h"

namespace klaxon {

namespace {
uint64_t write_stdout(Generator& generator, const GenerateCommand& cmd,
                      const std::atomic<bool>& stop) {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  uint64_t n = 0;
  while (!stop.load() && (cmd.count == 0 || n < static_cast<uint64_t>(cmd.count))) {
    GeneratedEvent e = generator.next(now_ms());
    e.payload.push_back('\n');
    if (std::fwrite(e.payload.data(), 1, e.payload.size(), stdout) != e.payload.size()) break;
    ++n;
    if (cmd.rate > 0) {
      auto due = started + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(n) / cmd.rate));
      if (due > clock::now()) {
        std::fflush(stdout);
        std::this_thread::sleep_until(due);
      }
    }
  }
  std::fflush(stdout);
  return n;
}
}  // namespace

int generate_command(const GenerateCommand& cmd, ProcessSignals& signals) {
  std::atomic<bool> stop{false};
  auto subscription = signals.subscribe([&stop](int) { stop = true; });
  Generator generator(cmd.generator);
  auto started = std::chrono::steady_clock::now();
  uint64_t n;
  if (cmd.to_stdout) {
    n = write_stdout(generator, cmd, stop);
  } else {
    if (cmd.bootstrap_servers.empty()) {
      std::fprintf(stderr, "generate: --bootstrap-servers or --stdout is required\n");
      return 2;
    }
    KafkaProducer producer(
        ProducerOptions{cmd.bootstrap_servers, {}, std::chrono::milliseconds(5), true});
    n = produce_traffic(generator, producer, TrafficOptions{cmd.topic, cmd.count, cmd.rate}, stop);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string stats = generator.stats().to_json();
  if (!cmd.stats_file.empty()) std::ofstream(cmd.stats_file) << stats << "\n";
  spdlog::info("generated {} in {} ({:.0f}/s): {}", plural(n, "event"),
               human_duration(static_cast<int64_t>(secs * 1000)),
               secs > 0 ? static_cast<double>(n) / secs : 0.0, stats);
  return 0;
}

}  // namespace klaxon
