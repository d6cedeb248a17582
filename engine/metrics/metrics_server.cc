#include "metrics/metrics_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace klaxon {

namespace {

// civetweb says only "Failed to setup server ports"; binding the address ourselves tells
// why ("Address already in use", "Permission denied"). IPv4 "host:port" or ":port" only;
// empty when that works or cannot be tried.
std::string bind_error(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "0.0.0.0" : listen.substr(0, colon);
  std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
  if (host.empty()) host = "0.0.0.0";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  char* end = nullptr;
  long number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 0 || number > 65535 ||
      inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return "";
  addr.sin_port = htons(static_cast<uint16_t>(number));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as civetweb does
  std::string error;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) error = std::strerror(errno);
  close(fd);
  return error;
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen,
                             std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {
  mg_init_library(0);
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "4", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  mg_init_data init{&callbacks, nullptr, options};
  unsigned code = 0;
  char reason[256] = {};
  mg_error_data error{&code, reason, sizeof reason};
  server_ = mg_start2(&init, &error);
  if (server_ == nullptr) {
    std::string why = bind_error(listen);
    if (why.empty()) why = reason;
    throw std::runtime_error("cannot serve metrics on " + listen +
                             (why.empty() ? std::string() : ": " + why));
  }
  add("/metrics", "text/plain; version=0.0.4; charset=utf-8",
      [this] { return prometheus::TextSerializer().Serialize(registry_->Collect()); });
  // Cheap and independent of the registry: answers even while a scrape is slow.
  add("/healthz", "text/plain", [] { return std::string("ok\n"); });
}

MetricsServer::~MetricsServer() {
  mg_stop(server_);  // waits for requests in progress: endpoints stay valid until then
}

int MetricsServer::port() const {
  mg_server_port ports[4];
  int n = mg_get_server_ports(server_, 4, ports);
  return n > 0 ? ports[0].port : 0;
}

void MetricsServer::add_json_endpoint(const std::string& path, std::function<std::string()> body) {
  add(path, "application/json", std::move(body));
}

void MetricsServer::add(const std::string& path, std::string content_type,
                        std::function<std::string()> body) {
  auto& slot = endpoints_[path];
  slot = std::make_unique<Endpoint>(Endpoint{std::move(content_type), std::move(body)});
  mg_set_request_handler(server_, path.c_str(), &MetricsServer::serve, slot.get());
}

int MetricsServer::serve(mg_connection* conn, void* endpoint) {
  const mg_request_info* info = mg_get_request_info(conn);
  bool head = std::strcmp(info->request_method, "HEAD") == 0;
  if (!head && std::strcmp(info->request_method, "GET") != 0) {
    mg_send_http_error(conn, 405, "%s", "only GET and HEAD\n");
    return 405;
  }
  const auto& e = *static_cast<const Endpoint*>(endpoint);
  std::string body;
  try {
    body = e.body();
  } catch (const std::exception& ex) {
    mg_send_http_error(conn, 500, "%s\n", ex.what());
    return 500;
  }
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            e.content_type.c_str(), body.size());
  if (!head) mg_write(conn, body.data(), body.size());
  return 200;
}

}  // namespace klaxon
