// MetricsServer: the pod's HTTP endpoint: /metrics (Prometheus text format, from a
// prometheus-cpp registry), /healthz ("ok" while the process is alive) and JSON endpoints
// other components add (/silences).
// Thread: construct, add endpoints and destroy on one thread; requests are served on
// civetweb's threads, so endpoint bodies must be thread-safe.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

struct mg_context;
struct mg_connection;

namespace klaxon {

class MetricsServer {
 public:
  // `listen` is "host:port" (port 0 picks a free port). Throws std::runtime_error naming
  // the address when it cannot listen.
  MetricsServer(const std::string& listen, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const;
  // Serves GET `path` with the JSON `body` returns at each request.
  void add_json_endpoint(const std::string& path, std::function<std::string()> body);

 private:
  struct Endpoint {
    std::string content_type;
    std::function<std::string()> body;
  };
  void add(const std::string& path, std::string content_type, std::function<std::string()> body);
  static int serve(mg_connection* conn, void* endpoint);

  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;  // stable addresses for civetweb
  mg_context* server_ = nullptr;
};

}  // namespace klaxon
