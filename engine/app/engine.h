// Engine: builds the concrete pipeline from a Config (the one place the production pieces
// are wired together): the rules (compiled, and reloaded live when their files change), the
// Kafka producer, the metrics server and the Pipeline (which owns the state partitions). Used by
// `klaxon run` and `klaxon demo`.
// Thread: construct, run() on one thread; stop() and stats() from any thread.
#pragma once

#include <memory>

#include "app/pipeline.h"
#include "app/silence_feed.h"
#include "config/config.h"
#include "core/error.h"
#include "match/rules_reloader.h"
#include "metrics/metrics_server.h"
#include "source/producer.h"

namespace klaxon {

class Engine {
 public:
  // Throws LoadError for bad rules and std::runtime_error when a component cannot start.
  explicit Engine(Config config);
  ~Engine();

  void run() { pipeline_->run(); }
  void stop() { pipeline_->request_stop(); }
  const PipelineStats& stats() const { return pipeline_->stats(); }
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  // The rule set loaded at start (a reload may have replaced it in the pipeline since).
  const Matcher& matcher() const { return *matcher_; }
  RulesReloader& reloader() { return *reloader_; }

 private:
  Config config_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<PipelineProbe> probe_;
  std::unique_ptr<RulesProbe> rules_probe_;
  std::unique_ptr<StateProbe> state_probe_;
  std::unique_ptr<NotifyProbe> notify_probe_;
  std::unique_ptr<Dispatcher> dispatcher_;  // null without channels; outlives the pipeline
  SilenceStore silences_;
  std::unique_ptr<SilenceFeed> silence_feed_;  // null without channels
  std::unique_ptr<RulesReloader> reloader_;
  uint64_t rules_generation_ = 0;
  std::unique_ptr<MetricsServer> metrics_;
  std::shared_ptr<const Matcher> matcher_;
  SystemClock clock_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<Pipeline> pipeline_;
};

// Loads and compiles the rules under a file or directory.
std::shared_ptr<const Matcher> load_matcher(const std::string& rules_path);
// The same for the config's rules.path; a problem with the path itself (missing, empty
// directory) names the key, the config file and the working directory.
std::shared_ptr<const Matcher> load_matcher(const Config& config);
// `e` with that context added to the problems about the rules path itself.
LoadError with_rules_path_context(const LoadError& e, const Config& config);

// The metrics endpoint at metrics.listen (--metrics-listen); when it cannot listen, the
// error names the address, the reason and the key and flag that set it.
std::unique_ptr<MetricsServer> serve_metrics(const std::string& listen,
                                             std::shared_ptr<prometheus::Registry> registry);

}  // namespace klaxon
