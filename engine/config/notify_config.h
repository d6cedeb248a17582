// NotifyConfig: the `notify` section of the config: the channels alerts are delivered to
// (Alertmanager, email, WeChat Work, Slack, generic webhooks) and how delivery retries,
// gives up and rate-limits. Rules name channels (`notify: [oncall-mail]`); the channels and
// their secrets live only here, so a rule file can never read a secret.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace klaxon {

using std::chrono::milliseconds;

// Where a secret comes from. Only the reference is configured; the value is read at start
// and never logged, exported as a metric or put into an error message.
struct SecretRef {
  std::string env;   // an environment variable
  std::string file;  // a file (a trailing newline is dropped), e.g. a Kubernetes secret mount
  bool set() const { return !env.empty() || !file.empty(); }
};

// At most `count` messages per `per` to a channel; what exceeds it goes out as a digest.
struct RateLimit {
  int64_t count = 0;  // 0: unlimited
  milliseconds per{60000};
};

struct ChannelConfig {
  std::string name;
  std::string type;  // alertmanager | email | wechat | slack | webhook
  std::string file;  // where it is configured, for messages
  int line = 0;

  std::string url;         // http(s)://... ; smtp:// or smtps:// for email
  SecretRef url_secret;    // the url is itself a secret (WeChat and Slack keys are in it)
  SecretRef hmac_secret;   // webhook: signs the body (X-Klaxon-Signature: sha256=<hex>)
  SecretRef bearer_token;  // Authorization: Bearer, when set
  std::map<std::string, std::string> headers;  // extra HTTP headers
  std::string ca_file;                         // TLS: trust these CAs instead of the system's
  bool tls_verify = true;

  // email
  std::string from;
  std::vector<std::string> to;
  std::string username;
  SecretRef password;
  std::string starttls = "required";  // required | opportunistic | off (smtps:// is always TLS)

  // Message templates by part (subject, text, html, markdown, summary, description); a
  // part left out uses the channel's default. Lines are kept for error messages.
  std::map<std::string, std::string> templates;
  std::map<std::string, int> template_lines;

  milliseconds timeout{10000};  // per delivery attempt
  RateLimit rate_limit;         // defaults per type (docs/delivery.md)
  bool rate_limit_set = false;
  int64_t max_batch = 0;  // alerts per request where the API takes several (Alertmanager)
};

struct NotifyConfig {
  std::vector<std::string> default_channels;  // for rules that name none
  // An alert no channel accepted for this long goes to the dead-letter topic.
  milliseconds give_up_after{std::chrono::hours(6)};
  milliseconds retry_initial{1000};  // first retry delay; doubles per failure, with jitter
  milliseconds retry_max{std::chrono::minutes(5)};
  // Alertmanager: an alert not refreshed resolves this long after it was last sent (at least
  // the rule's realert window).
  milliseconds resolve_after{std::chrono::minutes(5)};
  // Alertmanager: alerts are posted again this often until they resolve, so an Alertmanager
  // that restarted (it keeps alerts in memory) has them back; 0 never re-sends.
  milliseconds resend_interval{std::chrono::minutes(1)};
  std::vector<ChannelConfig> channels;
};

}  // namespace klaxon
