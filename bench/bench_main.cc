// klaxon-bench: decode + match throughput in process, on generated pay logs; with
// --state-keys, the partitioned state's write, restore and size costs (state_bench.cc).
// Prints one JSON object; bench/run puts it into bench/RESULTS.md.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "decode/decoder.h"
#include "gen/generator.h"
#include "match/matcher.h"
#include "match/rules_loader.h"
#include "state_bench.h"

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct alignas(64) Tally {  // one cache line each: threads do not share a line
  uint64_t processed = 0, matched = 0, invalid = 0;
};

}  // namespace

// The measured work, one pass over the payloads. Not inlined and not mangled, so that
// bench/callgrind_guard.py can count its instructions alone (--toggle-collect).
extern "C" __attribute__((noinline)) void klaxon_bench_decode_match(
    const std::vector<std::string>& payloads, klaxon::Decoder& decoder,
    const klaxon::Matcher& matcher, klaxon::Matcher::Scratch& scratch, Tally& tally) {
  klaxon::Event event;
  std::vector<klaxon::Match> matches;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i + 1 < payloads.size()) klaxon::Decoder::prefetch(payloads[i + 1]);  // as the pipeline
    const std::string& p = payloads[i];
    if (decoder.decode(p, event) != klaxon::DecodeError::none) {
      ++tally.invalid;
      continue;
    }
    matches.clear();
    matcher.match(event, scratch, matches);
    tally.matched += matches.size();
  }
  tally.processed += payloads.size();
}

int main(int argc, char** argv) {
  using namespace klaxon;
  CLI::App app{"klaxon in-process decode+match benchmark"};
  std::string rules_path = "rules/pay.yaml";
  size_t events = 200'000;
  double min_seconds = 2.0;
  double error_ratio = 0.1;
  app.add_option("--rules", rules_path)->capture_default_str();
  app.add_option("--events", events, "distinct generated events")->capture_default_str();
  app.add_option("--seconds", min_seconds, "measure at least this long")->capture_default_str();
  app.add_option("--error-ratio", error_ratio)->capture_default_str();
  double stack_ratio = 0.5;
  app.add_option("--stack-ratio", stack_ratio, "share of ERROR events with a stack trace")
      ->capture_default_str();
  int trace_lines = 0;
  app.add_option("--trace-lines", trace_lines, "lines kept of each stack trace (0: all)")
      ->capture_default_str();
  unsigned threads = 1;
  app.add_option("--threads", threads, "threads decoding and matching, each on all events")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  uint64_t max_passes = UINT64_MAX;
  app.add_option("--passes", max_passes, "stop after this many passes over the events")
      ->check(CLI::PositiveNumber);
  size_t state_keys = 0;
  int state_partitions = 100;
  std::string work_dir = "/tmp/klaxon-state-bench";
  app.add_option("--state-keys", state_keys,
                 "instead: write this many rule groups through the changelog and restore them");
  int state_live_partitions = 3;
  app.add_option("--state-partitions", state_partitions, "changelog partitions")
      ->capture_default_str();
  app.add_option("--state-live-partitions", state_live_partitions,
                 "stores open at once for the memory measure")
      ->capture_default_str();
  app.add_option("--work-dir", work_dir, "for --state-keys; emptied first")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (state_keys > 0) {
    std::filesystem::remove_all(work_dir);
    int rc = run_state_bench(state_keys, state_live_partitions, state_partitions, work_dir);
    std::filesystem::remove_all(work_dir);
    return rc;
  }

  GeneratorOptions o;
  o.seed = 1;
  o.error_ratio = error_ratio;
  o.stack_ratio = stack_ratio;
  o.trace_lines = trace_lines;
  Generator gen(o);
  std::vector<std::string> payloads;
  payloads.reserve(events);
  size_t bytes = 0;
  for (size_t i = 0; i < events; ++i) {
    payloads.push_back(gen.next(1795515330000 + static_cast<int64_t>(i)).payload);
    bytes += payloads.back().size();
  }
  auto compile_started = std::chrono::steady_clock::now();
  auto matcher = Matcher::compile(load_rules(rules_path));
  double compile_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - compile_started)
          .count();
  DecodeOptions decode_options{1 << 20, matcher->rule_set().extra_fields(), false};

  // One decoder and scratch per thread; the compiled database is shared, as in the engine.
  std::vector<Tally> tallies(threads);
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      Decoder decoder(decode_options);
      Matcher::Scratch scratch(*matcher);
      Tally& tally = tallies[t];
      double elapsed = 0;
      uint64_t passes = 0;
      do {
        klaxon_bench_decode_match(payloads, decoder, *matcher, scratch, tally);
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      } while (elapsed < min_seconds && ++passes < max_passes);
    });
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t processed = 0, matched = 0, invalid = 0;
  for (const Tally& t : tallies) {
    processed += t.processed;
    matched += t.matched;
    invalid += t.invalid;
  }
  double cpu = cpu_seconds() - cpu0;
  double passes = static_cast<double>(processed) / static_cast<double>(payloads.size());
  std::printf(
      "{\"events\":%llu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"mb_per_s\":%.1f,"
      "\"cpu_s_per_million\":%.3f,\"avg_event_bytes\":%.0f,\"rules\":%zu,\"patterns\":%zu,"
      "\"matches\":%llu,\"invalid\":%llu,\"compile_ms\":%.1f,\"database_bytes\":%zu,"
      "\"threads\":%u}\n",
      static_cast<unsigned long long>(processed), elapsed, static_cast<double>(processed) / elapsed,
      static_cast<double>(bytes) * passes / elapsed / 1e6,
      cpu / static_cast<double>(processed) * 1e6,
      static_cast<double>(bytes) / static_cast<double>(payloads.size()), matcher->rules().size(),
      matcher->pattern_count(), static_cast<unsigned long long>(matched),
      static_cast<unsigned long long>(invalid), compile_ms, matcher->database_bytes(), threads);
  return 0;
}
