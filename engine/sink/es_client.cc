#include "sink/es_client.h"

#include <simdjson.h>
#include <zlib.h>

#include "net/base64.h"

namespace klaxon {

bool gzip_compress(const std::string& in, std::string& out) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer rather than zlib's; level 1: bulk bodies are
  // repetitive JSON, fast compression already takes most of it away.
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out.resize(deflateBound(&zs, in.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

EsClient::EsClient(EsClientOptions options)
    : options_(std::move(options)), http_(options_.tls), next_(options_.first_url) {
  if (!options_.username.empty())
    auth_headers_["Authorization"] = "Basic " + base64(options_.username + ":" + options_.password);
  else if (!options_.api_key.empty())
    auth_headers_["Authorization"] = "ApiKey " + options_.api_key;
}

const std::string& EsClient::next_url() {
  const std::string& url = options_.urls[next_ % options_.urls.size()];
  ++next_;
  return url;
}

BulkReply EsClient::send(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& content_type) {
  auto headers = auth_headers_;
  headers["Content-Type"] = content_type;
  const std::string* payload = &body;
  if (options_.gzip && method != "GET") {
    if (gzip_compress(body, compressed_)) {
      headers["Content-Encoding"] = "gzip";
      payload = &compressed_;
    }
  }
  // A bulk response lists every item: keep it whole (64 MiB covers 100k items).
  HttpResponse r =
      http_.request(method, next_url() + path, *payload, headers, options_.timeout, 64 << 20);
  BulkReply reply;
  reply.status = r.status;
  reply.body = std::move(r.body);
  reply.error = std::move(r.error);
  reply.timed_out = reply.status == 0 && reply.error.find("imed out") != std::string::npos;
  return reply;
}

BulkReply EsClient::bulk(const std::string& ndjson) {
  return send("POST", "/_bulk", ndjson, "application/x-ndjson");
}

BulkReply EsClient::put_index_template(const std::string& name, const std::string& json) {
  return send("PUT", "/_index_template/" + name, json, "application/json");
}

std::string EsClient::cluster_health(std::string& error) {
  BulkReply r = send("GET", "/_cluster/health", "", "application/json");
  if (r.status != 200) {
    error =
        r.status == 0 ? r.error : "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
    return "";
  }
  simdjson::dom::parser parser;
  std::string_view status;
  if (parser.parse(r.body)["status"].get_string().get(status)) {
    error = "no status in " + r.body.substr(0, 300);
    return "";
  }
  return std::string(status);
}

}  // namespace klaxon
