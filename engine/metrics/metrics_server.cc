#include "metrics/metrics_server.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <cstring>
#include <stdexcept>

namespace klaxon {

namespace {
// civetweb calls this before routing; answering /healthz here keeps it independent of the
// registry, so it stays cheap and answers even while a scrape is slow.
int answer_healthz(struct mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info == nullptr || info->local_uri == nullptr || std::strcmp(info->local_uri, "/healthz") != 0)
    return 0;
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: close\r\n\r\nok\n");
  return 200;
}
}  // namespace

MetricsServer::MetricsServer(const std::string& listen,
                             std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {
  static const CivetCallbacks callbacks = [] {
    CivetCallbacks c;  // its constructor clears every callback
    c.begin_request = &answer_healthz;
    return c;
  }();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, 2, &callbacks);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + listen + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
}

MetricsServer::~MetricsServer() = default;

int MetricsServer::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace klaxon
