// Stack-trace fingerprint: the group key of exception_stack events.
//
// The same bug logged on six hosts, with different line numbers after a deploy, must be
// one group; two different bugs two groups. The fingerprint is the exception class (of the
// first exception line) plus the top N application frames (class.method, skipping
// java.*, javax.*, sun.*, jdk.*, and framework frames), with line numbers, hex addresses,
// numbers, UUIDs and lambda/proxy suffixes normalised away, hashed with FNV-1a.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct Fingerprint {
  std::string exception_class;          // e.g. "java.lang.NullPointerException"; empty if none
  std::vector<std::string> top_frames;  // normalised, e.g. "com.pay.service.PayService.charge"
  std::string hash;                     // 16 hex digits; stable across releases
};

Fingerprint fingerprint(std::string_view message, size_t max_frames = 3);

// fingerprint(message, max_frames).hash, without building the class and frame strings:
// the group key of stack-trace events, computed for each one.
std::string fingerprint_hash(std::string_view message, size_t max_frames = 3);

}  // namespace klaxon
