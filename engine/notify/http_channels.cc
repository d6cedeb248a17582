#include "notify/http_channels.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>

#include "core/json_writer.h"
#include "core/time.h"
#include "notify/alert_labels.h"
#include "notify/alert_vars.h"

namespace klaxon {

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string digest_text(const Digest& d) {
  std::string s = digest_headline(d) + "\n";
  for (const auto& line : digest_lines(d)) s += "- " + line + "\n";
  return s;
}

}  // namespace

std::string truncate_utf8(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  const std::string mark = "\n[...]";
  size_t cut = max_bytes > mark.size() ? max_bytes - mark.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + mark;
}

HttpTarget http_target(const ChannelConfig& c) {
  HttpTarget t;
  t.name = c.name;
  t.timeout = c.timeout;
  t.tls = HttpTls{c.ca_file, c.tls_verify};
  t.headers = c.headers;
  if (c.url_secret.set()) {
    t.url = read_secret(c.url_secret);
    t.redact.add(t.url);
    // A key in the query string (WeChat's ?key=...) may be echoed alone.
    if (size_t q = t.url.find('?'); q != std::string::npos) {
      for (size_t i = q + 1; i < t.url.size();) {
        size_t amp = t.url.find('&', i);
        std::string param = t.url.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
        if (size_t eq = param.find('='); eq != std::string::npos)
          t.redact.add(param.substr(eq + 1));
        if (amp == std::string::npos) break;
        i = amp + 1;
      }
    }
  } else {
    t.url = c.url;
  }
  if (c.bearer_token.set()) {
    std::string token = read_secret(c.bearer_token);
    t.redact.add(token);
    t.headers["Authorization"] = "Bearer " + token;
  }
  return t;
}

SendResult post_json(HttpClient& client, const HttpTarget& target, const std::string& body,
                     const std::map<std::string, std::string>& extra_headers,
                     HttpResponse* response) {
  std::map<std::string, std::string> headers = target.headers;
  headers["Content-Type"] = "application/json";
  headers["User-Agent"] = "klaxon";
  for (const auto& [k, v] : extra_headers) headers[k] = v;
  HttpResponse r = client.post(target.url, body, headers, target.timeout);
  if (response) *response = r;
  if (r.status >= 200 && r.status < 300) return {SendResult::accepted, ""};
  std::string error = r.status == 0
                          ? r.error
                          : "HTTP " + std::to_string(r.status) + ": " + truncate_utf8(r.body, 300);
  return {http_retryable(r.status) ? SendResult::retry : SendResult::rejected,
          target.redact(error)};
}

// ---- Alertmanager ----

AlertmanagerChannel::AlertmanagerChannel(HttpTarget target, MessageTemplate summary,
                                         MessageTemplate description,
                                         std::chrono::milliseconds resolve_after, size_t max_batch,
                                         std::chrono::milliseconds resend_interval)
    : target_(std::move(target)),
      summary_(std::move(summary)),
      description_(std::move(description)),
      resolve_after_(resolve_after),
      max_batch_(max_batch),
      resend_interval_(resend_interval),
      client_(target_.tls) {
  // The API's path; a url given as the Alertmanager's base gets it appended.
  if (target_.url.find("/api/v2/alerts") == std::string::npos) {
    while (!target_.url.empty() && target_.url.back() == '/') target_.url.pop_back();
    target_.url += "/api/v2/alerts";
  }
}

int64_t AlertmanagerChannel::ends_at(const Alert& alert, int64_t now_ms) const {
  // Alertmanager resolves an alert at endsAt unless it is posted again before: klaxon
  // re-posts a group each time it alerts, so a quiet group resolves one window later.
  return now_ms + std::max<int64_t>(resolve_after_.count(), alert.window.count());
}

std::string AlertmanagerChannel::body(const std::vector<const Alert*>& alerts,
                                      int64_t now_ms) const {
  std::vector<Firing> firing;
  firing.reserve(alerts.size());
  for (const Alert* a : alerts) firing.push_back(Firing{*a, ends_at(*a, now_ms)});
  std::vector<const Firing*> pointers;
  for (const auto& f : firing) pointers.push_back(&f);
  return body(pointers);
}

std::string AlertmanagerChannel::body(const std::vector<const Firing*>& firing) const {
  std::string out = "[";
  for (const Firing* f : firing) {
    const Alert* a = &f->alert;
    if (out.size() > 1) out += ",";
    TemplateVars vars = alert_vars(*a);
    JsonWriter w(out);
    w.begin_object().key("labels").begin_object();
    for (const auto& [name, value] : alert_labels(*a)) w.field(name, value);
    w.end_object().key("annotations").begin_object();
    w.field("summary", summary_.render(vars));
    w.field("description", truncate_utf8(description_.render(vars), 16 * 1024));
    w.field("kibana_url", a->kibana_url);
    if (!a->request_ids.empty()) w.field("request_ids", vars["request_ids"]);
    w.field("alert_id", a->id);
    w.end_object();
    w.field("startsAt",
            format_timestamp_ms(a->first_seen_ms ? a->first_seen_ms : a->event_time_ms));
    w.field("endsAt", format_timestamp_ms(f->ends_at_ms));
    w.field("generatorURL", a->kibana_url);
    w.end_object();
  }
  out += "]";
  return out;
}

SendResult AlertmanagerChannel::send(const std::vector<const Alert*>& alerts) {
  int64_t now = wall_ms();
  std::vector<Firing> firing;
  firing.reserve(alerts.size());
  for (const Alert* a : alerts) firing.push_back(Firing{*a, ends_at(*a, now)});
  std::vector<const Firing*> pointers;
  for (const auto& f : firing) pointers.push_back(&f);
  SendResult result = post_json(client_, target_, body(pointers));
  if (result.outcome == SendResult::accepted && resend_interval_.count() > 0)
    for (auto& f : firing) firing_[alert_labels(f.alert)] = std::move(f);
  return result;
}

SendResult AlertmanagerChannel::refresh(int64_t now_ms) {
  std::erase_if(firing_, [&](const auto& entry) { return entry.second.ends_at_ms <= now_ms; });
  std::vector<const Firing*> batch;
  SendResult result;
  for (auto it = firing_.begin(); it != firing_.end();) {
    batch.push_back(&it->second);
    ++it;
    if (batch.size() == max_batch_ || it == firing_.end()) {
      result = post_json(client_, target_, body(batch));
      if (result.outcome != SendResult::accepted) return result;
      batch.clear();
    }
  }
  return result;
}

SendResult AlertmanagerChannel::send_digest(const Digest& digest) {
  // Alertmanager groups and throttles by itself: a digest is simply all the alerts.
  return send(digest.alerts);
}

// ---- WeChat Work group robot ----

WeChatChannel::WeChatChannel(HttpTarget target, MessageTemplate markdown)
    : target_(std::move(target)), markdown_(std::move(markdown)), client_(target_.tls) {}

SendResult WeChatChannel::post_markdown(const std::string& content) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("msgtype", "markdown").key("markdown").begin_object();
  w.field("content", truncate_utf8(content, 4000));  // the robot takes at most 4096 bytes
  w.end_object().end_object();
  HttpResponse response;
  SendResult r = post_json(client_, target_, body, {}, &response);
  if (r.outcome != SendResult::accepted) return r;
  // The robot answers HTTP 200 with {"errcode":0,"errmsg":"ok"} on success and a non-zero
  // errcode otherwise: 45009 is its rate limit (20 messages a minute), -1 a busy system.
  std::string compact;
  for (char c : response.body)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact += c;
  if (compact.find("\"errcode\":0,") != std::string::npos ||
      compact.find("\"errcode\":0}") != std::string::npos)
    return r;
  bool busy = compact.find("\"errcode\":45009") != std::string::npos ||
              compact.find("\"errcode\":-1") != std::string::npos;
  return {busy ? SendResult::retry : SendResult::rejected,
          target_.redact("WeChat robot refused: " + truncate_utf8(response.body, 300))};
}

SendResult WeChatChannel::send(const std::vector<const Alert*>& alerts) {
  return post_markdown(markdown_.render(alert_vars(*alerts.front())));
}

SendResult WeChatChannel::send_digest(const Digest& digest) {
  std::string s = "**" + digest_headline(digest) + "**\n";
  for (const auto& line : digest_lines(digest)) s += "> " + line + "\n";
  return post_markdown(s);
}

// ---- Slack incoming webhook ----

SlackChannel::SlackChannel(HttpTarget target, MessageTemplate text)
    : target_(std::move(target)), text_(std::move(text)), client_(target_.tls) {}

SendResult SlackChannel::send(const std::vector<const Alert*>& alerts) {
  std::string body;
  JsonWriter(body)
      .begin_object()
      .field("text", truncate_utf8(text_.render(alert_vars(*alerts.front())), 38'000))
      .end_object();
  return post_json(client_, target_, body);
}

SendResult SlackChannel::send_digest(const Digest& digest) {
  std::string body;
  JsonWriter(body)
      .begin_object()
      .field("text", escape_text(digest_text(digest), Escape::slack))
      .end_object();
  return post_json(client_, target_, body);
}

// ---- Generic webhook ----

std::string webhook_signature(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

WebhookChannel::WebhookChannel(HttpTarget target, std::string hmac_secret)
    : target_(std::move(target)), hmac_secret_(std::move(hmac_secret)), client_(target_.tls) {
  target_.redact.add(hmac_secret_);
}

SendResult WebhookChannel::post(const std::string& body, const std::string& alert_id) {
  std::map<std::string, std::string> headers{{"X-Klaxon-Alert-Id", alert_id}};
  if (!hmac_secret_.empty()) headers["X-Klaxon-Signature"] = webhook_signature(hmac_secret_, body);
  return post_json(client_, target_, body, headers);
}

SendResult WebhookChannel::send(const std::vector<const Alert*>& alerts) {
  return post(to_json(*alerts.front()), alerts.front()->id);
}

SendResult WebhookChannel::send_digest(const Digest& digest) {
  // Machines get every alert in full: {"digest": headline, "alerts": [documents]}.
  std::string body = "{\"digest\":";
  append_json_string(body, digest_headline(digest));
  body += ",\"alerts\":[";
  for (size_t i = 0; i < digest.alerts.size(); ++i)
    body += (i ? "," : "") + to_json(*digest.alerts[i]);
  body += "]}";
  return post(body, "digest-" + digest.alerts.front()->id);
}

}  // namespace klaxon
