// Generator: realistic Logstash-JSON pay logs for the demo, tests and benchmarks.
//
// Each call to next() returns one event as Logstash's json codec writes it
// (message, @timestamp, @version, type, tags, host, path), deterministically from the seed:
//   - biz logs (type "pay-biz"): INFO pay-success and WARN pay-failure (business declines);
//   - debug logs (type "pay-debug"): DEBUG lines;
//   - ERROR lines (type pay-biz or pay-debug) without a stack trace (channel errors, timeouts);
//   - ERROR lines that carry an exclude keyword of rules/pay.yaml (noise the rules must veto);
//   - ERROR events with a multi-line Java stack trace merged by the multiline codec, tagged
//     "exception_stack", drawn from a fixed catalogue of distinct bugs; line numbers vary by
//     host (different deploys) so a correct fingerprint still puts one bug in one group.
//     Some traces are longer than 50 lines (Caused by chains, deep framework frames), unless
//     trace_lines cuts them as logback's %ex{N} does.
// Every message carries a request id (reqId=...) and biz lines an order id (orderId=...).
//
// Thread: one Generator per thread; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace klaxon {

namespace gen {
struct Catalogue;
}

enum class EventKind {
  pay_success,
  pay_failure,
  debug,
  error,           // ERROR line, no stack trace, no exclude keyword
  error_excluded,  // ERROR line carrying an exclude keyword
  exception_stack,
  invalid,  // malformed JSON (only when GeneratorOptions::invalid_ratio > 0)
};
std::string_view to_string(EventKind k);

struct GeneratorOptions {
  uint64_t seed = 42;
  double error_ratio = 0.05;   // share of events that are ERROR (with or without stack trace)
  double stack_ratio = 0.5;    // share of ERROR events that carry a stack trace
  double exclude_ratio = 0.1;  // share of ERROR events (without trace) with an exclude keyword
  double debug_ratio = 0.3;    // share of non-error events that are debug lines
  double invalid_ratio = 0.0;  // share of events that are malformed JSON
  // Lines of each stack trace kept, as services logging with logback's %ex{N} print them
  // (exception line first, then frames); 0 keeps whole traces.
  int trace_lines = 0;
  int hosts = 6;
};

struct GeneratedEvent {
  std::string payload;  // one line of JSON, no trailing newline
  std::string key;      // Kafka key: the request id
  EventKind kind;
  std::string bug;  // for exception_stack: the catalogue bug id (the expected group)
};

struct GeneratorStats {
  uint64_t total = 0;
  std::map<EventKind, uint64_t> by_kind;
  std::map<std::string, uint64_t> stack_by_bug;  // exception_stack events per bug id
  std::string to_json() const;
};

class Generator {
 public:
  explicit Generator(GeneratorOptions options);

  // The next event, stamped with @timestamp = timestamp_ms.
  GeneratedEvent next(int64_t timestamp_ms);
  const GeneratorStats& stats() const { return stats_; }
  // Number of distinct bugs in the catalogue.
  static size_t bug_count();

 private:
  double unit();               // uniform in [0, 1), from one rng_ draw
  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0
  EventKind pick_kind();
  void set_time(int64_t timestamp_ms);
  void corrupt(std::string& payload);

  GeneratorOptions options_;
  std::mt19937_64 rng_;
  GeneratorStats stats_;
  uint64_t sequence_ = 0;
  std::shared_ptr<const gen::Catalogue> catalogue_;  // templates and per-host traces
  std::string message_;                              // scratch: the message being built
  std::string iso_;                                  // @timestamp of the current event
  int64_t iso_second_ = 0;
  bool iso_valid_ = false;
};

}  // namespace klaxon
