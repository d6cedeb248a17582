// Text a person reads: counts that agree in number ("1 rule", "2 rules") and spans of time
// as a person says them ("850ms", "40.2s", "3m12s", "1d2h").
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace klaxon {

// "1 alert", "0 alerts", "12,345 events"; `plural_form` when the plural is not singular + "s".
std::string plural(uint64_t count, std::string_view singular, std::string_view plural_form = {});

// `s` fit for one log line: control bytes (NUL, ESC, CR, LF, ...) and DEL as \n, \t, \r
// or \xNN, backslashes and double quotes escaped, so a record's bytes can neither break a
// line in two, close a quoted value, nor drive the terminal; UTF-8 above ASCII is kept.
std::string printable(std::string_view s);

// Under a second in milliseconds ("850ms"), under a minute with a tenth ("40.2s", "5s"),
// beyond that in whole units, largest first ("3m12s", "2h", "1d2h"); "0s" for zero or less.
std::string human_duration(int64_t ms);

}  // namespace klaxon
