#include "cli/traffic.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/time.h"

namespace klaxon {

uint64_t produce_traffic(Generator& generator, KafkaProducer& producer,
                         const TrafficOptions& options, const std::atomic<bool>& stop) {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  uint64_t sent = 0;
  std::string error;
  while (!stop.load() && (options.count == 0 || sent < static_cast<uint64_t>(options.count))) {
    GeneratedEvent e = generator.next(now_ms());
    if (!producer.produce(options.topic, e.key, e.payload, {}, nullptr, &error)) {
      spdlog::error("cannot produce to {}: {}", options.topic, error);
      break;
    }
    ++sent;
    if (sent % 256 == 0) producer.poll(std::chrono::milliseconds(0));
    if (options.rate > 0) {
      auto due =
          started + std::chrono::duration_cast<clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(sent) / options.rate));
      if (due > clock::now()) std::this_thread::sleep_until(due);
    }
  }
  if (!producer.flush(std::chrono::seconds(60)))
    spdlog::error("{} generated events not acknowledged by Kafka", producer.in_flight());
  if (producer.failed_without_callback() > 0)
    spdlog::error("{} generated events failed delivery", producer.failed_without_callback());
  return sent;
}

}  // namespace klaxon
