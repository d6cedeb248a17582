// klaxon-microbench: Google Benchmark micro-benchmarks of the per-event stages, for
// profiling one stage at a time (bench/run reports them; `--benchmark_filter` picks one).
//   Decode             simdjson decode of generated pay logs into Events
//   DecodeMatch/N      decode + Hyperscan match against N generated rules (bench/gen_rules.py)
//   StateUpdate/K      Evaluator::on_match over K live groups, one RocksDB write batch per
//                      1,000 matches (as the pipeline commits once per poll batch)
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "alert/evaluator.h"
#include "decode/decoder.h"
#include "gen/generator.h"
#include "match/matcher.h"
#include "match/rules_loader.h"

namespace klaxon {
namespace {

constexpr int64_t kT0 = 1795515330000;

const std::vector<std::string>& payloads() {
  static const std::vector<std::string> all = [] {
    GeneratorOptions o;  // bench/run's DATA: issue 7's events, 10% with a 5-line trace
    o.seed = 1;
    o.error_ratio = 0.15;
    o.stack_ratio = 0.667;
    o.trace_lines = 5;
    Generator gen(o);
    std::vector<std::string> out;
    for (int i = 0; i < 20'000; ++i) out.push_back(gen.next(kT0 + i).payload);
    return out;
  }();
  return all;
}

int64_t total_bytes(const std::vector<std::string>& all) {
  int64_t n = 0;
  for (const auto& p : all) n += static_cast<int64_t>(p.size());
  return n;
}

RuleSet generated_rules(int n) {
  std::string cmd =
      std::string("python3 ") + KLAXON_SOURCE_DIR + "/bench/gen_rules.py " + std::to_string(n);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string text;
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, pipe.get())) > 0) text.append(buf, got);
  return parse_rules(text, "gen_rules.py " + std::to_string(n));
}

void Decode(benchmark::State& state) {
  const auto& all = payloads();
  Decoder decoder(DecodeOptions{1 << 20, {}, false});
  Event event;
  for (auto _ : state)
    for (const auto& p : all) benchmark::DoNotOptimize(decoder.decode(p, event));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
  state.SetBytesProcessed(state.iterations() * total_bytes(all));
}
BENCHMARK(Decode)->Unit(benchmark::kMillisecond);

void DecodeMatch(benchmark::State& state) {
  const auto& all = payloads();
  auto matcher = Matcher::compile(generated_rules(static_cast<int>(state.range(0))));
  Decoder decoder(DecodeOptions{1 << 20, matcher->rule_set().extra_fields(), false});
  Matcher::Scratch scratch(*matcher);
  Event event;
  std::vector<Match> matches;
  for (auto _ : state)
    for (const auto& p : all) {
      if (decoder.decode(p, event) != DecodeError::none) continue;
      matches.clear();
      matcher->match(event, scratch, matches);
      benchmark::DoNotOptimize(matches.data());
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
  state.counters["patterns"] = static_cast<double>(matcher->pattern_count());
}
BENCHMARK(DecodeMatch)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void StateUpdate(benchmark::State& state) {
  const int64_t groups = state.range(0);
  constexpr int64_t kBatch = 1000;
  auto dir = std::filesystem::temp_directory_path() /
             ("klaxon-microbench-state-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    StateOptions options;
    options.dir = dir.string();
    options.sync = false;  // the CPU cost; bench/run's end-to-end rows pay the fsync
    StateStore store(options);
    Evaluator evaluator(store, LogicOptions{});
    Rule rule;
    rule.name = "pay-exception-stack";
    rule.type = RuleType::any;
    rule.realert = std::chrono::minutes(5);
    RulesByStateId active{{rule.state_id(), &rule}};
    evaluator.use_rules(&active);
    std::string state_id = rule.state_id();
    std::vector<std::string> keys;
    for (int64_t i = 0; i < groups; ++i) keys.push_back("bug-" + std::to_string(i));
    std::vector<std::string> request_ids{"req-1"};
    std::vector<Firing> fired;
    int64_t t = kT0, i = 0;
    for (auto _ : state) {
      for (int64_t n = 0; n < kBatch; ++n, ++i, t += 10) {
        fired.clear();
        evaluator.on_match(rule, state_id, keys[static_cast<size_t>(i % groups)], t, request_ids,
                           fired);
      }
      evaluator.flush();
      if (!store.commit_batch().ok()) state.SkipWithError("commit_batch failed");
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(StateUpdate)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace klaxon

BENCHMARK_MAIN();
