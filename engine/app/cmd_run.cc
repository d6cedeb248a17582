#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "app/commands.h"
#include "app/engine.h"
#include "core/error.h"
#include "match/rules_loader.h"

namespace klaxon {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("klaxon");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

int run_command(const RunCommand& cmd, StopSignals& signals) {
  Config config;
  try {
    config = load_config(cmd.config_file);
    if (!cmd.rules_path.empty()) config.rules.path = cmd.rules_path;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "invalid configuration:\n%s\n", e.what());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log.level));
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
  signals.on_stop([&engine](int sig) {
    spdlog::info("signal {}: finishing the current batch, committing, stopping", sig);
    engine->stop();
  });
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
    std::string rules = cmd.rules_path.empty() ? config.rules.path : cmd.rules_path;
    auto matcher = load_matcher(rules);
    std::printf("ok: %zu rules, %zu patterns from %zu files\n", matcher->rules().size(),
                matcher->pattern_count(), matcher->rule_set().files.size());
    return 0;
  } catch (const LoadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}

}  // namespace klaxon
