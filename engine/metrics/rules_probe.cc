#include "metrics/rules_probe.h"

#include <string>

namespace klaxon {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Registry;

namespace {
prometheus::Counter& reloads(Registry& r, const std::string& result) {
  return BuildCounter()
      .Name("klaxon_rules_reload_total")
      .Help("Rule reload attempts after start, by result (ok, error, unchanged)")
      .Register(r)
      .Add({{"result", result}});
}
prometheus::Gauge& gauge(Registry& r, const std::string& name, const std::string& help) {
  return BuildGauge().Name(name).Help(help).Register(r).Add({});
}
}  // namespace

const std::vector<double>& RulesProbe::compile_buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1,     2.5,  5,     10,   30};
  return b;
}

RulesProbe::RulesProbe(Registry& r)
    : reload_ok(reloads(r, "ok")),
      reload_error(reloads(r, "error")),
      reload_unchanged(reloads(r, "unchanged")),
      compile_seconds(BuildHistogram()
                          .Name("klaxon_rules_compile_seconds")
                          .Help("Loading and compiling a rule set (at start and on each reload)")
                          .Register(r)
                          .Add({}, compile_buckets())),
      last_success_timestamp(gauge(r, "klaxon_rules_last_reload_success_timestamp_seconds",
                                   "Unix time the active rule set was published")),
      last_reload_failed(gauge(r, "klaxon_rules_last_reload_failed",
                               "1 while the newest rule files failed to load (the previous "
                               "rules stay active), 0 otherwise")),
      generation(gauge(r, "klaxon_rules_generation",
                       "Rule sets published since start (1: the set loaded at start)")) {}

}  // namespace klaxon
