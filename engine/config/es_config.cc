#include "config/es_config_parse.h"

#include "config/notify_config_parse.h"
#include "core/index_pattern.h"

namespace klaxon {

void parse_elasticsearch(YamlReader& r, const YAML::Node& n, EsConfig& c) {
  const std::string path = "elasticsearch";
  if (!r.check_map(n, path,
                   {"urls",
                    "group_id",
                    "index",
                    "bulk_max_docs",
                    "bulk_max_bytes",
                    "linger",
                    "max_in_flight",
                    "gzip",
                    "request_timeout",
                    "retry_initial",
                    "retry_max",
                    "buffer_max_bytes",
                    "install_template",
                    "template_name",
                    "template_file",
                    "username",
                    "password_env",
                    "password_file",
                    "api_key_env",
                    "api_key_file",
                    "ca_file",
                    "tls_verify"}))
    return;
  if (r.get(n, "urls", path, c.urls)) {
    if (c.urls.empty()) r.problem(n["urls"], path + ".urls", "must name at least one node");
    for (auto& url : c.urls) {
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        r.problem(n["urls"], path + ".urls", "'" + url + "' must start with http:// or https://");
      while (!url.empty() && url.back() == '/') url.pop_back();
    }
  }
  r.get(n, "group_id", path, c.group_id);
  if (c.group_id.empty()) r.problem(n["group_id"], path + ".group_id", "must not be empty");
  if (r.get(n, "index", path, c.index)) {
    std::string error;
    if (!IndexPattern::parse(c.index, error)) r.problem(n["index"], path + ".index", error);
  }
  r.get(n, "bulk_max_docs", path, c.bulk_max_docs, 1, 1'000'000);
  r.get(n, "bulk_max_bytes", path, c.bulk_max_bytes, 1024, int64_t{1} << 31);
  r.get(n, "linger", path, c.linger);
  r.get(n, "max_in_flight", path, c.max_in_flight, 1, 64);
  r.get(n, "gzip", path, c.gzip);
  if (r.get(n, "request_timeout", path, c.request_timeout) && c.request_timeout < milliseconds(100))
    r.problem(n["request_timeout"], path + ".request_timeout", "must be at least 100ms");
  r.get(n, "retry_initial", path, c.retry_initial);
  r.get(n, "retry_max", path, c.retry_max);
  if (c.retry_initial <= milliseconds(0))
    r.problem(n["retry_initial"], path + ".retry_initial", "must be positive");
  if (c.retry_max < c.retry_initial)
    r.problem(n["retry_max"], path + ".retry_max", "must be at least retry_initial");
  r.get(n, "buffer_max_bytes", path, c.buffer_max_bytes, 1 << 20, int64_t{1} << 40);
  if (c.buffer_max_bytes < c.bulk_max_bytes)
    r.problem(n["buffer_max_bytes"], path + ".buffer_max_bytes",
              "must be at least bulk_max_bytes (" + std::to_string(c.bulk_max_bytes) + ")");
  r.get(n, "install_template", path, c.install_template);
  r.get(n, "template_name", path, c.template_name);
  if (c.template_name.empty())
    r.problem(n["template_name"], path + ".template_name", "must not be empty");
  r.get(n, "template_file", path, c.template_file);
  r.get(n, "username", path, c.username);
  get_secret(r, n, path, "password", c.password);
  get_secret(r, n, path, "api_key", c.api_key);
  if (c.username.empty() != !c.password.set())
    r.problem(n, path + ".username",
              c.username.empty() ? "password_env / password_file need a username"
                                 : "needs password_env or password_file");
  if (!c.username.empty() && c.api_key.set())
    r.problem(n, path + ".api_key_env", "give either username/password or an API key, not both");
  r.get(n, "ca_file", path, c.ca_file);
  r.get(n, "tls_verify", path, c.tls_verify);
}

}  // namespace klaxon
