// EsClient: the HTTP side of the sink: _bulk requests, the index template and cluster
// health, with basic auth or an API key, TLS (a CA file, verification on by default) and
// optional gzip request bodies. Nodes in `urls` are used round robin, each client starting
// at a different one, so several senders spread over the cluster.
//
// BulkTransport is the one call the sender needs, so tests can replace Elasticsearch.
// Thread: one EsClient per thread (it owns a curl handle that keeps connections alive).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace klaxon {

struct EsClientOptions {
  std::vector<std::string> urls;  // without a trailing slash
  std::chrono::milliseconds timeout{30000};
  bool gzip = false;
  std::string username, password;  // basic auth when username is set
  std::string api_key;             // Authorization: ApiKey <api_key>
  HttpTls tls;
  size_t first_url = 0;  // where this client starts its round robin
};

struct BulkReply {
  long status = 0;    // 0: no answer (transport error)
  std::string body;   // the whole response body
  std::string error;  // transport error in words (connection refused, timeout, ...)
  bool timed_out = false;
};

class BulkTransport {
 public:
  virtual ~BulkTransport() = default;
  // Sends one NDJSON body to _bulk and returns what came back.
  virtual BulkReply bulk(const std::string& ndjson) = 0;
};

class EsClient : public BulkTransport {
 public:
  explicit EsClient(EsClientOptions options);

  BulkReply bulk(const std::string& ndjson) override;
  // PUT _index_template/<name>. Returns the status (0: no answer) and the body.
  BulkReply put_index_template(const std::string& name, const std::string& json);
  // GET _cluster/health: the status (green, yellow, red) or "" with `error` when unreachable.
  std::string cluster_health(std::string& error);

 private:
  BulkReply send(const std::string& method, const std::string& path, const std::string& body,
                 const std::string& content_type);
  const std::string& next_url();

  EsClientOptions options_;
  HttpClient http_;
  std::map<std::string, std::string> auth_headers_;
  size_t next_ = 0;
  std::string compressed_;  // reused gzip buffer
};

// Gzip (RFC 1952) of `in` into `out`; false when zlib fails.
bool gzip_compress(const std::string& in, std::string& out);

}  // namespace klaxon
