// `klaxon rules test`: backtests rule files against recorded events (see app/backtest.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "app/engine.h"
#include "cli/backtest.h"
#include "cli/commands.h"
#include "cli/line_reader.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/text.h"
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

void print_summary(std::FILE* out, Backtest& run, uint64_t alerts, double seconds) {
  const BacktestTotals& t = run.totals();
  std::fprintf(out, "== rules test: %s over %s",
               plural(run.matcher().rules().size(), "rule").c_str(),
               plural(t.events, "event").c_str());
  if (t.events > 0)
    std::fprintf(out, " from %s to %s", format_timestamp_ms(t.first_ms).c_str(),
                 format_timestamp_ms(t.last_ms).c_str());
  std::fprintf(out, " in %s\n", human_duration(static_cast<int64_t>(seconds * 1000)).c_str());
  uint64_t invalid = 0;
  std::string reasons;
  for (const auto& [reason, n] : t.invalid) {
    invalid += n;
    reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  }
  std::fprintf(out, "   %s read, %llu invalid%s%s%s, %llu outside --from/--to\n",
               plural(t.records, "record").c_str(), static_cast<unsigned long long>(invalid),
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
  std::fprintf(out, "%s would have fired\n", plural(alerts, "alert").c_str());
}

// Why a run evaluated no event, in words; empty when it evaluated some.
std::string why_nothing_was_tested(const BacktestTotals& t, const RulesTestCommand& cmd) {
  if (t.events > 0) return "";
  uint64_t invalid = 0;
  for (const auto& [reason, n] : t.invalid) invalid += n;
  std::string source =
      cmd.topic.empty() ? (cmd.input == "-" ? "standard input" : cmd.input) : "topic " + cmd.topic;
  if (t.records == 0 && !cmd.topic.empty())
    return source + " had no records between the start (" +
           (cmd.from_offset >= 0    ? "--from-offset " + std::to_string(cmd.from_offset)
            : cmd.from_time.empty() ? std::string("its beginning")
                                    : "--from-time " + cmd.from_time) +
           ") and its end";
  if (t.records == 0) return source + " held no records";
  if (invalid == t.records)
    return "all " + plural(t.records, "record") + " of " + source +
           " were invalid (the summary gives the reasons)";
  if (t.outside + invalid == t.records)
    return "every event of " + source + " was outside --from/--to";
  return "no event of " + source + " could be evaluated";
}

// Opens --input: a regular file, a pipe or a device; never a directory.
int open_input(const std::string& input) {
  if (input == "-") return STDIN_FILENO;
  int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("cannot open --input " + input + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(
        "--input " + input +
        " is a directory; give one file (several: cat DIR/*.ndjson | klaxon rules "
        "test RULES --input -)");
  }
  return fd;
}

// Reads NDJSON (or plain lines) from a file or stdin, in large blocks either way.
void feed_lines(Backtest& run, const RulesTestCommand& cmd, int64_t max_event_bytes,
                ProgressBar& progress, const std::atomic<bool>& stop) {
  int fd = open_input(cmd.input);
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd != STDIN_FILENO) ::close(fd);
    }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    progress.set_total(static_cast<uint64_t>(st.st_size));
  std::string name = cmd.input == "-" ? "stdin" : cmd.input;
  // Lines past the engine's record limit are cut just beyond it: counted as oversized.
  LineReader reader(fd, 1 << 20, static_cast<size_t>(max_event_bytes));
  std::string_view line;
  int64_t number = 0;
  while (!stop.load() && reader.next(line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines of a file are not records
    run.feed(line, name, -1, number, 0);
    if ((number & 1023) == 0) progress.update(reader.bytes_read(), run.totals().events);
  }
}

void feed_topic(Backtest& run, const RulesTestCommand& cmd, const Config& config,
                ProgressBar& progress, const std::atomic<bool>& stop) {
  TopicReaderOptions o;
  o.bootstrap_servers =
      cmd.bootstrap_servers.empty() ? config.kafka.bootstrap_servers : cmd.bootstrap_servers;
  o.topic = cmd.topic;
  o.properties = config.kafka.properties;
  o.client_id = "klaxon-rules-test";
  if (cmd.from_offset >= 0) o.from_offset = cmd.from_offset;
  o.from_time_ms = time_option(cmd.from_time, "--from-time");
  TopicReader reader(o);
  if (o.from_time_ms && reader.total() == 0 && reader.time_lookup_misses() > 0)
    throw std::runtime_error(
        "--from-time " + cmd.from_time + ": the cluster found no offset at or after that time in " +
        plural(static_cast<uint64_t>(reader.time_lookup_misses()), "partition") + " of " +
        cmd.topic +
        " that hold records (offsets-for-times answered -1). Either the time is after the "
        "newest record, or the cluster cannot look offsets up by time (librdkafka's mock "
        "cluster cannot). Start at an offset instead: --from-offset N (0: the beginning)");
  progress.set_total(reader.total());
  RecordBatch batch;
  uint64_t done = 0;
  while (!stop.load()) {
    batch.clear();
    if (!reader.next(batch, 1000)) break;
    for (const Record& m : batch)
      run.feed(m.value, cmd.topic, m.partition, m.offset, m.timestamp_ms);
    done += batch.size();
    progress.update(done, run.totals().events);
  }
}

}  // namespace

int rules_test_command(const RulesTestCommand& cmd, ProcessSignals& signals) {
  std::atomic<bool> stop{false};
  auto subscription = signals.subscribe([&stop](int) {
    std::fprintf(stderr,
                 "\nrules test: interrupted; summing up what was read (again: exit at once)\n");
    stop = true;
  });
  try {
    if (cmd.input.empty() == cmd.topic.empty())
      throw LoadError({Problem{"", 0, "", "give either --input FILE|- or --topic TOPIC"}});
    Config config = cmd.config_file.empty() ? Config{} : load_config(cmd.config_file);
    BacktestOptions options;
    options.runner = rule_runner_options(config);
    options.plain = cmd.plain;
    options.from_ms = time_option(cmd.from, "--from");
    options.to_ms = time_option(cmd.to, "--to");
    auto matcher = load_matcher(cmd.rules_path);
    ScratchDir state;
    uint64_t alerts = 0;
    std::FILE* summary_out = cmd.json ? stderr : stdout;
    ProgressBar progress(cmd.progress,
                         cmd.topic.empty() ? ProgressBar::Unit::bytes : ProgressBar::Unit::records);
    // Alerts on a terminal that also shows the bar: the bar is cleared first.
    const bool alerts_share_the_terminal = isatty(STDOUT_FILENO) == 1;
    auto started = std::chrono::steady_clock::now();
    Backtest run(matcher, state.path(), options, [&](const Alert& a) {
      ++alerts;
      if (alerts_share_the_terminal) progress.clear();
      if (cmd.json) {
        std::fprintf(stdout, "%s\n", to_json(a).c_str());
      } else {
        std::fprintf(stdout, "%s\n", to_text(a, cmd.stack_lines).c_str());
      }
      if (alerts_share_the_terminal) std::fflush(stdout);
    });
    if (!cmd.topic.empty())
      feed_topic(run, cmd, config, progress, stop);
    else
      feed_lines(run, cmd, config.decode.max_event_bytes, progress, stop);
    run.finish();
    progress.finish();
    std::fflush(stdout);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    print_summary(summary_out, run, alerts, seconds);
    if (stop.load()) {
      std::fprintf(stderr, "rules test: interrupted; the figures above cover what was read\n");
      return 1;
    }
    if (std::string why = why_nothing_was_tested(run.totals(), cmd); !why.empty()) {
      if (cmd.allow_empty) {
        std::fprintf(stderr, "rules test: %s; nothing was tested (--allow-empty)\n", why.c_str());
        return 0;
      }
      std::fprintf(stderr,
                   "rules test: %s, so nothing was tested and \"0 alerts\" proves nothing. "
                   "Exit 1 (--allow-empty accepts an empty run)\n",
                   why.c_str());
      return 1;
    }
    return 0;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rules test: %s\n", e.what());
    return 1;
  }
}

}  // namespace klaxon
