// The process's log: spdlog on stderr, one line per event as
// "2026-12-07T17:23:06.123Z INFO  text" (UTC, with its zone), coloured only on a terminal and
// never when NO_COLOR is set (https://no-color.org). librdkafka's lines arrive through it
// too (source/kafka_conf.h).
// Thread: setup once in main() before other threads log; the levels from any thread.
#pragma once

#include <optional>
#include <string>

namespace klaxon {

// Creates the default logger. `level`: trace, debug, info, warn or error.
void setup_logging(const std::string& level);

// The level a command runs at: the command line's --log-level when given (it wins over the
// config), else the config's log.level.
void set_log_level(const std::optional<std::string>& command_line, const std::string& config);

}  // namespace klaxon
