#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "app/commands.h"
#include "app/engine.h"
#include "app/logging.h"
#include "core/error.h"
#include "core/text.h"
#include "match/rules_loader.h"

namespace klaxon {

int run_command(const RunCommand& cmd, ProcessSignals& signals) {
  Config config;
  try {
    config = load_config(cmd.config_file);
    if (!cmd.rules_path.empty()) {
      config.rules.path = cmd.rules_path;
      config.rules.path_as_written.clear();  // the command line's, relative to the cwd
    }
    if (!cmd.metrics_listen.empty()) config.metrics.listen = cmd.metrics_listen;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration:\n%s\n", e.what());
    return 2;
  }
  set_log_level(cmd.log_level, config.log.level);
  std::unique_ptr<Engine> engine;
  try {
    engine = std::make_unique<Engine>(config);
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid rules:\n%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  auto subscription = signals.subscribe(
      [&engine](int sig) {
        spdlog::info("signal {}: finishing the current batch, committing, stopping", sig);
        engine->stop();
      },
      [&engine] { engine->reloader().request_reload(); });
  try {
    engine->run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}

int check_command(const CheckCommand& cmd) {
  try {
    Config config = cmd.config_file.empty() ? Config{} : load_config(cmd.config_file);
    if (!cmd.rules_path.empty()) {
      config.rules.path = cmd.rules_path;
      config.rules.path_as_written.clear();
    }
    auto matcher = load_matcher(config);
    std::printf("ok: %s, %s from %s\n", plural(matcher->rules().size(), "rule").c_str(),
                plural(matcher->pattern_count(), "pattern").c_str(),
                plural(matcher->rule_set().files.size(), "file").c_str());
    return 0;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}

}  // namespace klaxon
