// HttpClient: sends a request with libcurl and returns the status and body, for the HTTP
// channels and the Elasticsearch sink. One per worker thread (a curl handle keeps its
// connections alive between requests); not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace klaxon {

struct HttpTls {
  std::string ca_file;  // empty: the system's CAs
  bool verify = true;
};

struct HttpResponse {
  long status = 0;    // 0: no response (error says why)
  std::string body;   // the first `max_body` bytes (4 KiB for post())
  std::string error;  // transport error: connection refused, timeout, TLS
};

class HttpClient {
 public:
  explicit HttpClient(HttpTls tls);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse post(const std::string& url, const std::string& body,
                    const std::map<std::string, std::string>& headers,
                    std::chrono::milliseconds timeout) {
    return request("POST", url, body, headers, timeout, 4096);
  }

  // `method` is GET, POST or PUT; a GET sends no body. Keeps up to `max_body` bytes of the
  // response body (the rest is read and dropped).
  HttpResponse request(const std::string& method, const std::string& url, const std::string& body,
                       const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout, size_t max_body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// curl_global_init, once per process (it is not thread-safe); every curl user calls this.
void init_curl_once();

// What an HTTP status means for a delivery: 2xx accepted; 408, 429 and 5xx retried; other
// 4xx rejected (the request itself is wrong: retrying cannot help).
bool http_retryable(long status);

}  // namespace klaxon
