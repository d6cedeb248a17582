// EmailChannel: mail over SMTP with libcurl (STARTTLS required by default, or smtps://;
// optional AUTH). Each alert is one multipart/alternative message, plain text and HTML,
// with the first lines of the stack trace, the Kibana link and the request ids.
#pragma once

#include <memory>

#include "config/notify_config.h"
#include "notify/channel.h"
#include "notify/secret.h"
#include "notify/template.h"

namespace klaxon {

struct EmailTemplates {
  MessageTemplate subject, text, html;  // subject renders unescaped; html escapes HTML
};

class EmailChannel : public Channel {
 public:
  // Reads the password secret; throws std::runtime_error naming it when missing.
  EmailChannel(const ChannelConfig& config, EmailTemplates templates);
  ~EmailChannel() override;
  const std::string& name() const override { return name_; }
  SendResult send(const std::vector<const Alert*>& alerts) override;
  SendResult send_digest(const Digest& digest) override;

  // The RFC 5322 message (exposed for tests).
  std::string message(const std::string& subject, const std::string& text, const std::string& html,
                      const std::string& id, int64_t now_ms) const;

 private:
  SendResult transmit(const std::string& message);
  std::string name_;
  ChannelConfig config_;
  std::string password_;
  EmailTemplates templates_;
  Redactor redact_;
  void* curl_ = nullptr;  // CURL*, kept for connection reuse
};

}  // namespace klaxon
