// The HTTP channels: Alertmanager (POST /api/v2/alerts), WeChat Work group robot (markdown
// message), Slack incoming webhook, and a generic JSON webhook (the alert document, signed
// with HMAC-SHA256 when a secret is set).
#pragma once

#include <memory>

#include "config/notify_config.h"
#include "net/http_client.h"
#include "notify/channel.h"
#include "notify/secret.h"
#include "notify/template.h"

namespace klaxon {

// What every HTTP channel shares: its resolved url and headers, a client and a redactor.
struct HttpTarget {
  std::string name;
  std::string url;  // resolved (may hold a key: never logged)
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{10000};
  HttpTls tls;
  Redactor redact;
};

// Builds the HttpTarget of a channel config, reading its secrets. Throws
// std::runtime_error naming the key and the variable or file when a secret is missing.
HttpTarget http_target(const ChannelConfig& config);

// Posts and classifies the response: 2xx accepted, 408/429/5xx/transport error retry,
// other 4xx rejected; errors are redacted.
SendResult post_json(HttpClient& client, const HttpTarget& target, const std::string& body,
                     const std::map<std::string, std::string>& extra_headers = {},
                     HttpResponse* response = nullptr);

class AlertmanagerChannel : public Channel {
 public:
  AlertmanagerChannel(HttpTarget target, MessageTemplate summary, MessageTemplate description,
                      std::chrono::milliseconds resolve_after, size_t max_batch,
                      std::chrono::milliseconds resend_interval = std::chrono::minutes(1));
  const std::string& name() const override { return target_.name; }
  SendResult send(const std::vector<const Alert*>& alerts) override;
  SendResult send_digest(const Digest& digest) override;
  size_t max_batch() const override { return max_batch_; }
  // Alertmanager keeps alerts in memory only: every alert sent is posted again each
  // resend_interval, with the endsAt it was sent with, until then. One that is still firing
  // is back within an interval after Alertmanager restarts, and a quiet group still resolves
  // when it would have. Entries are this process's: a restarted pod re-sends what it sends.
  std::chrono::milliseconds refresh_interval() const override { return resend_interval_; }
  SendResult refresh(int64_t now_ms) override;
  size_t firing() const { return firing_.size(); }
  // The request body for `alerts`, posted at `now_ms` (exposed for tests).
  std::string body(const std::vector<const Alert*>& alerts, int64_t now_ms) const;

 private:
  struct Firing {
    Alert alert;
    int64_t ends_at_ms = 0;
  };
  std::string body(const std::vector<const Firing*>& firing) const;
  int64_t ends_at(const Alert& alert, int64_t now_ms) const;

  HttpTarget target_;
  MessageTemplate summary_, description_;
  std::chrono::milliseconds resolve_after_;
  size_t max_batch_;
  std::chrono::milliseconds resend_interval_;
  HttpClient client_;
  // By Alertmanager's identity of an alert (its labels): the newest sent, until it resolves.
  std::map<std::map<std::string, std::string>, Firing> firing_;
};

class WeChatChannel : public Channel {
 public:
  WeChatChannel(HttpTarget target, MessageTemplate markdown);
  const std::string& name() const override { return target_.name; }
  SendResult send(const std::vector<const Alert*>& alerts) override;
  SendResult send_digest(const Digest& digest) override;

 private:
  SendResult post_markdown(const std::string& content);
  HttpTarget target_;
  MessageTemplate markdown_;
  HttpClient client_;
};

class SlackChannel : public Channel {
 public:
  SlackChannel(HttpTarget target, MessageTemplate text);
  const std::string& name() const override { return target_.name; }
  SendResult send(const std::vector<const Alert*>& alerts) override;
  SendResult send_digest(const Digest& digest) override;

 private:
  HttpTarget target_;
  MessageTemplate text_;
  HttpClient client_;
};

class WebhookChannel : public Channel {
 public:
  WebhookChannel(HttpTarget target, std::string hmac_secret);
  const std::string& name() const override { return target_.name; }
  SendResult send(const std::vector<const Alert*>& alerts) override;
  SendResult send_digest(const Digest& digest) override;

 private:
  SendResult post(const std::string& body, const std::string& alert_id);
  HttpTarget target_;
  std::string hmac_secret_;
  HttpClient client_;
};

// "sha256=" and the hex HMAC-SHA256 of body under key (the webhook's signature header).
std::string webhook_signature(std::string_view key, std::string_view body);

// Cuts text to at most max_bytes without splitting a UTF-8 character, marking the cut.
std::string truncate_utf8(std::string text, size_t max_bytes);

}  // namespace klaxon
