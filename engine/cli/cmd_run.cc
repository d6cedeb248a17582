#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/engine.h"
#include "cli/commands.h"
#include "cli/logging.h"
#include "core/error.h"
#include "core/text.h"
#include "core/time.h"
#include "match/rules_loader.h"
#include "notify/channel_factory.h"
#include "source/kafka_conf.h"

namespace klaxon {

namespace {

// What `run` would find wrong before it reaches the network, beyond the config file's own
// validation: librdkafka refusing a property, and a state directory it cannot write.
std::vector<Problem> check_local_setup(const Config& config, bool host_checks = true) {
  std::vector<Problem> problems;
  try {
    make_kafka_conf({}, config.kafka.properties, "kafka.properties");
  } catch (const LoadError& e) {
    for (Problem p : e.problems()) {
      std::string property = p.key.substr(std::string("kafka.properties.").size());
      p.file = config.file;
      if (auto it = config.kafka.property_lines.find(property);
          it != config.kafka.property_lines.end())
        p.line = it->second;
      problems.push_back(std::move(p));
    }
  }
  if (!host_checks) return problems;
  // The state directory, or the nearest directory above it that exists, must be writable.
  std::filesystem::path dir = config.state.dir;
  std::error_code ec;
  while (!std::filesystem::exists(dir, ec)) {
    std::filesystem::path up = dir.parent_path();
    if (up.empty()) {  // a relative path's first component: it would be made in the cwd
      dir = ".";
      break;
    }
    if (up == dir) break;
    dir = up;
  }
  // A file made and removed there: access(2) says yes to root on read-only and special
  // file systems alike.
  std::string probe = (dir / ".klaxon-check-XXXXXX").string();
  int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    problems.push_back(Problem{config.file, config.line_of("state.dir"), "state.dir",
                               config.state.dir + " cannot be created or written (" + dir.string() +
                                   ": " + std::strerror(errno) + ")"});
  } else {
    ::close(fd);
    ::unlink(probe.c_str());
  }
  return problems;
}

// --from: earliest and latest are auto_offset_reset's; a time (or a duration ago) starts at
// the earliest record and skips those written before it.
void apply_from(const std::string& from, KafkaConfig& kafka) {
  if (from == "earliest" || from == "latest") {
    kafka.auto_offset_reset = from;
    return;
  }
  std::optional<int64_t> at = parse_timestamp_ms(from);
  if (!at)
    if (std::optional<std::chrono::milliseconds> ago = parse_duration(from);
        ago && ago->count() > 0)
      at = now_ms() - ago->count();
  if (!at)
    throw LoadError({Problem{"", 0, "--from",
                             "'" + from +
                                 "' is not earliest, latest, a time (2026-12-07T08:00:00Z) or a "
                                 "duration ago (6h)"}});
  // A typo in the year would skip (and commit) every live record until then.
  if (*at > now_ms() + 60'000)
    throw LoadError({Problem{"", 0, "--from",
                             "'" + from +
                                 "' is in the future: a first start would skip every "
                                 "record until then; use latest"}});
  kafka.auto_offset_reset = "earliest";
  kafka.first_start_from_ms = at;
}

void print_problems(const char* title, const std::vector<Problem>& problems) {
  std::fprintf(stderr, "%s\n", title);
  for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
}

}  // namespace

int run_command(const RunCommand& cmd, ProcessSignals& signals) {
  Config config;
  try {
    config = load_config(cmd.config_file);
    if (!cmd.rules_path.empty()) config.rules.set_path_from_command_line(cmd.rules_path);
    if (!cmd.metrics_listen.empty()) {
      if (std::string why = listen_address_problem(cmd.metrics_listen); !why.empty())
        throw LoadError({Problem{"", 0, "--metrics-listen", why}});
      config.metrics.listen = cmd.metrics_listen;
    }
    if (!cmd.from.empty()) apply_from(cmd.from, config.kafka);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration:\n%s\n", e.what());
    return 2;
  }
  if (std::vector<Problem> problems = check_local_setup(config); !problems.empty()) {
    print_problems("invalid configuration:", problems);
    return 2;
  }
  set_log_level(cmd.log_level, config.log.level);
  // Subscribed before the engine starts (metrics answer while it joins the group): a stop
  // that comes meanwhile is kept and honoured once the engine exists, so a pod told to stop
  // at any moment stops cleanly.
  std::mutex engine_mutex;
  Engine* running = nullptr;
  bool stop_requested = false, reload_requested = false;
  auto subscription = signals.subscribe(
      [&](int sig) {
        spdlog::info(
            "signal {}: finishing the current batch, committing, stopping (again: exit at once)",
            sig);
        std::lock_guard<std::mutex> lock(engine_mutex);
        stop_requested = true;
        if (running) running->stop();
      },
      [&] {
        std::lock_guard<std::mutex> lock(engine_mutex);
        reload_requested = true;
        if (running) running->reloader().request_reload();
      });
  std::unique_ptr<Engine> engine;
  try {
    engine = std::make_unique<Engine>(config);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration or rules:\n%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(engine_mutex);
    running = engine.get();
    if (stop_requested) engine->stop();
    if (reload_requested) engine->reloader().request_reload();
  }
  try {
    engine->run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::lock_guard<std::mutex> lock(engine_mutex);
    running = nullptr;
    return 1;
  }
  std::lock_guard<std::mutex> lock(engine_mutex);
  running = nullptr;
  return 0;
}

// Everything `run` checks before it connects to Kafka: the config, the channels (secrets
// resolved, templates compiled), the rules, and that every rule's `notify` names a channel.
int check_command(const CheckCommand& cmd) {
  Config config;
  try {
    config = cmd.config_file.empty() ? Config{} : load_config(cmd.config_file);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (!cmd.rules_path.empty()) config.rules.set_path_from_command_line(cmd.rules_path);
  std::vector<Problem> problems = check_local_setup(config, !cmd.skip_host_checks);
  try {
    build_channels(config.notify);
  } catch (const LoadError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
  }
  std::shared_ptr<const Matcher> matcher;
  try {
    matcher = load_matcher(config);
    std::vector<std::string> channels;
    for (const auto& c : config.notify.channels) channels.push_back(c.name);
    check_notify(matcher->rule_set(), channels);
  } catch (const LoadError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
  }
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    return 2;
  }
  std::printf("ok: %s, %s from %s\n", plural(matcher->rules().size(), "rule").c_str(),
              plural(matcher->pattern_count(), "pattern").c_str(),
              plural(matcher->rule_set().files.size(), "file").c_str());
  return 0;
}

}  // namespace klaxon
