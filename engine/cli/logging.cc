#include "cli/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

namespace klaxon {

void setup_logging(const std::string& level) {
  const char* no_color = std::getenv("NO_COLOR");
  bool colour = isatty(STDERR_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  auto logger = spdlog::stderr_color_mt(
      "klaxon", colour ? spdlog::color_mode::automatic : spdlog::color_mode::never);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
}

void set_log_level(const std::optional<std::string>& command_line, const std::string& config) {
  spdlog::set_level(spdlog::level::from_str(command_line.value_or(config)));
}

}  // namespace klaxon
