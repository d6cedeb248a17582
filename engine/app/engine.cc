#include "app/engine.h"

#include <spdlog/spdlog.h>

#include "app/kafka_options.h"
#include "app/topics_setup.h"
#include "core/text.h"
#include "core/time.h"
#include "match/rules_loader.h"
#include "notify/channel_factory.h"
#include "source/topic_reader.h"

namespace klaxon {

std::shared_ptr<const Matcher> load_matcher(const std::string& rules_path) {
  return Matcher::compile(load_rules(rules_path));
}

LoadError with_rules_path_context(const LoadError& e, const Config& config) {
  std::vector<Problem> problems = e.problems();
  for (Problem& p : problems) {
    if (p.file != config.rules.path || p.line != 0) continue;
    p.key =
        config.rules.path_from == RulesConfig::PathFrom::command_line ? "--rules" : "rules.path";
    p.what += " (" + describe_rules_path(config) + ")";
  }
  return LoadError(std::move(problems));
}

std::shared_ptr<const Matcher> load_matcher(const Config& config) {
  try {
    return load_matcher(config.rules.path);
  } catch (const LoadError& e) {
    throw with_rules_path_context(e, config);
  }
}

std::unique_ptr<MetricsServer> serve_metrics(const std::string& listen,
                                             std::shared_ptr<prometheus::Registry> registry) {
  try {
    return std::make_unique<MetricsServer>(listen, std::move(registry));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(e.what()) +
                             ". The address is set by metrics.listen in the config or "
                             "--metrics-listen: choose a free port (0 picks one), or leave "
                             "metrics.listen empty to serve no metrics");
  }
}

Engine::Engine(Config config) : config_(std::move(config)) {
  registry_ = std::make_shared<prometheus::Registry>();
  probe_ = std::make_unique<PipelineProbe>(*registry_);
  rules_probe_ = std::make_unique<RulesProbe>(*registry_);
  state_probe_ = std::make_unique<StateProbe>(*registry_);
  notify_probe_ = std::make_unique<NotifyProbe>(*registry_);
  // Channels first: a rule naming a channel that is not configured is a load error.
  std::vector<ChannelSetup> channels = build_channels(config_.notify);
  ReloadOptions reload = reload_options(config_.rules);
  reload.channels.emplace();
  for (const auto& c : config_.notify.channels) reload.channels->push_back(c.name);
  if (!channels.empty()) {
    dispatcher_ = std::make_unique<Dispatcher>(
        DispatcherOptions{config_.notify.give_up_after, config_.notify.retry_initial,
                          config_.notify.retry_max},
        std::move(channels), *notify_probe_);
    spdlog::info("alert channels: {}", fmt::join(*reload.channels, ", "));
  }
  try {
    reloader_ = std::make_unique<RulesReloader>(config_.rules.path, reload, *rules_probe_);
  } catch (const LoadError& e) {
    throw with_rules_path_context(e, config_);
  }
  matcher_ = reloader_->take_if_newer(rules_generation_);
  spdlog::info("rules: {} loaded from {}{}", plural(matcher_->rules().size(), "rule"),
               config_.rules.path, config_.rules.reload ? " (reloaded when the files change)" : "");
  producer_ = std::make_unique<KafkaProducer>(producer_options(config_));
  if (!config_.metrics.listen.empty()) {
    metrics_ = serve_metrics(config_.metrics.listen, registry_);
    spdlog::info("metrics on http://{}:{}/metrics",
                 config_.metrics.listen.substr(0, config_.metrics.listen.rfind(':')),
                 metrics_->port());
  }
  Delivery delivery;
  if (dispatcher_) delivery = {dispatcher_.get(), notify_probe_.get(), &silences_};
  PipelineIo io{*producer_,
                [this](ConsumerListener& listener) -> std::unique_ptr<RecordSource> {
                  return std::make_unique<KafkaConsumer>(run_consumer_options(config_), listener);
                },
                TopicReader::opener(),
                // Checked (and created) before the group is joined; throws if they cannot be.
                ensure_internal_topics(config_, producer_->handle()),
                producer_->cluster_id(std::chrono::seconds(10)), clock_};
  pipeline_ = std::make_unique<Pipeline>(
      config_, matcher_, io, *probe_, *state_probe_,
      [this] { return reloader_->take_if_newer(rules_generation_); }, delivery);
  // After the pipeline, which creates the silences topic; before the first delivery.
  if (dispatcher_) {
    silence_feed_ = std::make_unique<SilenceFeed>(config_, silences_, *notify_probe_);
    if (metrics_)
      metrics_->add_json_endpoint("/silences", [this] { return silences_.to_json(now_ms()); });
  }
}

Engine::~Engine() = default;

}  // namespace klaxon
