// find_log_timestamp_ms: the time a plain log line (not Logstash JSON) was written, read
// from the timestamp near its start, for backtests of recorded logs (`klaxon rules test
// --plain`). Recognised, within the first 96 bytes, UTC unless a zone is written:
//   2015-07-29 17:41:44,747   2015-07-29T17:41:44.747Z   2017-05-16 00:00:00.008+08:00
//   2015/07/29 17:41:44       17/06/09 20:10:40 (yy/mm/dd)   081109 203615 (yymmdd hhmmss)
//   [Sun Dec 04 04:47:44 2005] and Dec 04 04:47:44 2005
// Pure function; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace klaxon {

std::optional<int64_t> find_log_timestamp_ms(std::string_view line);

}  // namespace klaxon
