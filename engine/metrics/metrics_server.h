// MetricsServer: serves /metrics (Prometheus text format, from a prometheus-cpp registry)
// and /healthz ("ok" while the process is alive) on one address.
// Thread: construct and destroy on one thread; requests are served on civetweb's threads.
#pragma once

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace klaxon {

class MetricsServer {
 public:
  // `listen` is "host:port" (port 0 picks a free port). Throws std::runtime_error naming
  // the address when it cannot listen.
  MetricsServer(const std::string& listen, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();
  int port() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace klaxon
