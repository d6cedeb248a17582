// Catalogue: what the Generator writes. Single-line log templates per event kind, and the
// fixed catalogue of distinct bugs whose Java stack traces make the exception_stack events.
//
// A bug's trace is written once (catalogue.cc) and rendered per host: application frames
// (com.pay.*) get that host's deploy, i.e. shifted line numbers, other lambda ids
// (lambda$charge$0 vs lambda$charge$3), other CGLIB class suffixes and reflection accessor
// numbers, exactly what a stack-trace fingerprint has to see through.
// Built once per Generator; immutable afterwards, so safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/generator.h"
#include "gen/text_template.h"

namespace klaxon::gen {

enum class ThreadKind : uint8_t {
  web,        // http-nio-8080-exec-N
  notify,     // pay-notify-N
  scheduler,  // scheduling-1
  mq,         // ConsumeMessageThread_N
};

// A single-line log event (every kind but exception_stack).
struct LineSpec {
  EventKind kind;
  const char* level;   // INFO, WARN, DEBUG, ERROR
  const char* type;    // pay-biz | pay-debug
  const char* logger;  // as logback prints it
  ThreadKind thread;
  int weight;        // relative frequency within its kind
  const char* body;  // TextTemplate text after "[reqId=...] "
};

// One bug of the catalogue: an ERROR log line followed by a multi-line stack trace.
struct BugSpec {
  const char* id;               // short stable name, the expected group
  const char* exception_class;  // of the outermost exception (the line after the log line)
  const char* top_frame;        // first application frame, as package.Class.method
  const char* logger;
  ThreadKind thread;
  int weight;         // relative frequency among stack traces
  const char* body;   // TextTemplate text of the log line after "[reqId=...] "
  const char* trace;  // markup, expanded by expand_trace()
};

std::span<const LineSpec> line_specs();
std::span<const BugSpec> bug_specs();

// The trace text every host shares: blocks inlined, "... N more" counts computed, frames
// prefixed with "\tat ". Lines are separated by '\n'; no trailing newline.
std::string expand_trace(const BugSpec& bug);

// `trace` as logged by host number `host_index` (0-based) named `host_name`.
std::string vary_for_host(std::string_view trace, int host_index, std::string_view host_name);

// Everything the Generator renders from, compiled once.
struct Catalogue {
  struct Host {
    std::string name;                  // pay-app-01
    std::string pid;                   // JVM process id in the log line
    std::vector<TextTemplate> traces;  // per bug, in bug_specs() order
  };
  struct Line {
    const LineSpec* spec;
    TextTemplate body;
  };
  struct KindLines {
    std::vector<const Line*> lines;
    std::vector<int> cumulative_weight;  // for weighted choice
  };

  std::vector<Line> lines;
  KindLines by_kind[static_cast<int>(EventKind::invalid) + 1];
  std::vector<TextTemplate> bug_bodies;  // per bug
  std::vector<int> bug_cumulative_weight;
  std::vector<Host> hosts;

  static std::shared_ptr<const Catalogue> build(int hosts);
};

}  // namespace klaxon::gen
