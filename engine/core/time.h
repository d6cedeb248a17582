// Time helpers: RFC 3339 / ISO 8601 timestamps as Logstash writes them, and the
// duration strings of config and rule files ("500ms", "30s", "5m", "2h", "1d").
// Pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace klaxon {

// Parses "2026-11-24T10:15:30.123Z", "2026-11-24T10:15:30+08:00", "2026-11-24 10:15:30,123"
// (fraction optional, any number of digits). Returns milliseconds since the Unix epoch.
std::optional<int64_t> parse_timestamp_ms(std::string_view text);

// Milliseconds since the epoch of a UTC calendar time (fields unchecked).
int64_t utc_ms(int year, int month, int day, int hour, int minute, int second, int millis);

// Formats milliseconds since the epoch as "2026-11-24T10:15:30.123Z".
std::string format_timestamp_ms(int64_t ms);

// Parses "250ms", "30s", "5m", "2h", "1d" (a whole number and a unit).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Formats a duration back in the largest unit that divides it ("5m", "90s", "250ms").
std::string format_duration(std::chrono::milliseconds d);

int64_t now_ms();

}  // namespace klaxon
