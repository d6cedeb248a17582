// `klaxon rules test`: backtests rule files against recorded events (see app/backtest.h).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "app/backtest.h"
#include "app/commands.h"
#include "app/engine.h"
#include "app/progress.h"
#include "core/error.h"
#include "core/time.h"
#include "source/topic_reader.h"

namespace klaxon {

namespace {

std::optional<int64_t> time_option(const std::string& text, const char* name) {
  if (text.empty()) return std::nullopt;
  auto t = parse_timestamp_ms(text);
  if (!t)
    throw LoadError(
        {Problem{"", 0, name, "'" + text + "' is not a timestamp (e.g. 2026-11-24T10:00:00Z)"}});
  return t;
}

// A temporary directory removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "klaxon-rules-test-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temp dir");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

RuleRunnerOptions runner_options(const Config& config) {
  RuleRunnerOptions o;
  o.max_event_bytes = static_cast<size_t>(config.decode.max_event_bytes);
  o.logic.max_request_ids = static_cast<size_t>(config.alert.max_request_ids);
  o.logic.grace_ms = config.state.grace_period.count();
  o.alert.kibana_url = config.alert.kibana_url;
  o.alert.kibana_index_pattern = config.alert.kibana_index_pattern;
  o.alert.stack_trace_lines = static_cast<size_t>(config.alert.stack_trace_lines);
  o.request_id_keys = config.alert.request_id_keys;
  return o;
}

void print_summary(std::FILE* out, Backtest& run, uint64_t alerts) {
  const BacktestTotals& t = run.totals();
  std::fprintf(out, "== rules test: %zu rules over %llu events", run.matcher().rules().size(),
               static_cast<unsigned long long>(t.events));
  if (t.events > 0)
    std::fprintf(out, " from %s to %s", format_timestamp_ms(t.first_ms).c_str(),
                 format_timestamp_ms(t.last_ms).c_str());
  std::fprintf(out, "\n");
  uint64_t invalid = 0;
  std::string reasons;
  for (const auto& [reason, n] : t.invalid) {
    invalid += n;
    reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  }
  std::fprintf(out, "   %llu records read, %llu invalid%s%s%s, %llu outside --from/--to\n",
               static_cast<unsigned long long>(t.records), static_cast<unsigned long long>(invalid),
               reasons.empty() ? "" : " (", reasons.c_str(), reasons.empty() ? "" : ")",
               static_cast<unsigned long long>(t.outside));
  if (t.end_ms != 0)
    std::fprintf(out, "   time ran to %s (timers due by then fired)\n",
                 format_timestamp_ms(t.end_ms).c_str());
  std::fprintf(out, "%-32s %-10s %10s %10s %10s\n", "rule", "type", "matches", "alerts",
               "suppressed");
  const RuleCounters& c = run.counters();
  for (size_t i = 0; i < run.matcher().rules().size(); ++i) {
    const Rule& r = run.matcher().rules()[i];
    std::fprintf(out, "%-32s %-10s %10llu %10llu %10llu\n", r.name.c_str(),
                 std::string(to_string(r.type)).c_str(),
                 static_cast<unsigned long long>(c.matches[i]),
                 static_cast<unsigned long long>(c.alerts[i]),
                 static_cast<unsigned long long>(c.suppressed[i]));
  }
  std::fprintf(out, "%llu alerts would have fired\n", static_cast<unsigned long long>(alerts));
}

// Reads NDJSON (or plain lines) from a file or stdin.
void feed_lines(Backtest& run, const RulesTestCommand& cmd, const std::atomic<bool>& stop) {
  std::ifstream file;
  std::istream* in = &std::cin;
  uint64_t total = 0;
  std::string name = cmd.input == "-" ? "stdin" : cmd.input;
  if (cmd.input != "-") {
    file.open(cmd.input, std::ios::binary);
    if (!file) throw LoadError({Problem{cmd.input, 0, "", "cannot open the input file"}});
    in = &file;
    struct stat st {};
    if (stat(cmd.input.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total = static_cast<uint64_t>(st.st_size);
  }
  ProgressBar progress(cmd.progress, total, "bytes");
  std::string line;
  uint64_t bytes = 0;
  int64_t number = 0;
  while (!stop.load() && std::getline(*in, line)) {
    bytes += line.size() + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // blank lines of a file are not records
    run.feed(line, name, -1, number, 0);
    progress.update(bytes, run.totals().events);
  }
}

void feed_topic(Backtest& run, const RulesTestCommand& cmd, const Config& config,
                const std::atomic<bool>& stop) {
  TopicReaderOptions o;
  o.bootstrap_servers =
      cmd.bootstrap_servers.empty() ? config.kafka.bootstrap_servers : cmd.bootstrap_servers;
  o.topic = cmd.topic;
  o.properties = config.kafka.properties;
  o.client_id = "klaxon-rules-test";
  if (cmd.from_offset >= 0) o.from_offset = cmd.from_offset;
  o.from_time_ms = time_option(cmd.from_time, "--from-time");
  TopicReader reader(o);
  ProgressBar progress(cmd.progress, reader.total(), "records");
  MessageBatch batch;
  uint64_t done = 0;
  while (!stop.load()) {
    batch.clear();
    if (!reader.next(batch, 1000)) break;
    for (const rd_kafka_message_t* m : batch) {
      rd_kafka_timestamp_type_t type;
      std::string_view payload(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
      run.feed(payload, cmd.topic, m->partition, m->offset, rd_kafka_message_timestamp(m, &type));
    }
    done += batch.size();
    progress.update(done, run.totals().events);
  }
}

}  // namespace

int rules_test_command(const RulesTestCommand& cmd, StopSignals& signals) {
  std::atomic<bool> stop{false};
  signals.on_stop([&stop](int) { stop = true; });
  try {
    if (cmd.input.empty() == cmd.topic.empty())
      throw LoadError({Problem{"", 0, "", "give either --input FILE|- or --topic TOPIC"}});
    Config config = cmd.config_file.empty() ? Config{} : load_config(cmd.config_file);
    BacktestOptions options;
    options.runner = runner_options(config);
    options.plain = cmd.plain;
    options.from_ms = time_option(cmd.from, "--from");
    options.to_ms = time_option(cmd.to, "--to");
    auto matcher = load_matcher(cmd.rules_path);
    ScratchDir state;
    uint64_t alerts = 0;
    std::FILE* summary_out = cmd.json ? stderr : stdout;
    Backtest run(matcher, state.path(), options, [&](const Alert& a) {
      ++alerts;
      if (cmd.json) {
        std::fprintf(stdout, "%s\n", to_json(a).c_str());
      } else {
        std::fprintf(stdout, "%s\n", to_text(a, cmd.stack_lines).c_str());
      }
    });
    if (!cmd.topic.empty())
      feed_topic(run, cmd, config, stop);
    else
      feed_lines(run, cmd, stop);
    run.finish();
    std::fflush(stdout);
    print_summary(summary_out, run, alerts);
    return stop.load() ? 1 : 0;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rules test: %s\n", e.what());
    return 1;
  }
}

}  // namespace klaxon
