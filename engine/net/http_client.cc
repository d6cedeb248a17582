#include "net/http_client.h"

#include <curl/curl.h>

#include <mutex>

namespace klaxon {

namespace {

struct BodySink {
  std::string* body;
  size_t max;
};

size_t keep_head(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  size_t bytes = size * n;
  if (sink->body->size() < sink->max)
    sink->body->append(data, std::min(bytes, sink->max - sink->body->size()));
  return bytes;
}

}  // namespace

struct HttpClient::Impl {
  HttpTls tls;
  CURL* curl = nullptr;
};

HttpClient::HttpClient(HttpTls tls) : impl_(std::make_unique<Impl>()) {
  init_curl_once();
  impl_->tls = std::move(tls);
  impl_->curl = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
}

HttpResponse HttpClient::request(const std::string& method, const std::string& url,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers,
                                 std::chrono::milliseconds timeout, size_t max_body) {
  HttpResponse r;
  CURL* c = impl_->curl;
  if (c == nullptr) {
    r.error = "cannot create a curl handle";
    return r;
  }
  curl_easy_reset(c);
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_head);
  BodySink sink{&r.body, max_body};
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, impl_->tls.verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, impl_->tls.verify ? 2L : 0L);
  if (!impl_->tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, impl_->tls.ca_file.c_str());
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    r.error = error[0] ? error : curl_easy_strerror(code);
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

void init_curl_once() {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool http_retryable(long status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

}  // namespace klaxon
