#include "notify/email_channel.h"

#include <curl/curl.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include "net/base64.h"
#include "net/http_client.h"
#include "notify/alert_vars.h"
#include "notify/http_channels.h"

namespace klaxon {

namespace {

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t read_upload(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data->size() - u->pos);
  std::memcpy(buffer, u->data->data() + u->pos, len);
  u->pos += len;
  return len;
}

std::string rfc5322_date(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// A header value: kept as is when plain ASCII, else RFC 2047 encoded-word.
std::string header_text(const std::string& s) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80 && c != '\r' && c != '\n';
  return ascii ? s : "=?UTF-8?B?" + base64(s) + "?=";
}

std::string wrapped_base64(const std::string& s) {
  std::string b = base64(s), out;
  for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

std::string html_escape_lines(const std::string& s) { return escape_text(s, Escape::html); }

}  // namespace

EmailChannel::EmailChannel(const ChannelConfig& config, EmailTemplates templates)
    : name_(config.name), config_(config), templates_(std::move(templates)) {
  init_curl_once();
  if (config_.password.set()) {
    password_ = read_secret(config_.password);
    redact_.add(password_);
  }
  curl_ = curl_easy_init();
}

EmailChannel::~EmailChannel() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

std::string EmailChannel::message(const std::string& subject, const std::string& text,
                                  const std::string& html, const std::string& id,
                                  int64_t now_ms) const {
  std::string boundary = "=_klaxon_" + id;
  std::string to;
  for (const auto& r : config_.to) to += (to.empty() ? "" : ", ") + r;
  std::string m;
  m += "Date: " + rfc5322_date(now_ms) + "\r\n";
  m += "From: " + config_.from + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + header_text(subject) + "\r\n";
  m += "Message-ID: <" + id + "." + std::to_string(now_ms) + "@klaxon>\r\n";
  m += "X-Klaxon-Alert-Id: " + id + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary +
       "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n" +
       wrapped_base64(text);
  m += "--" + boundary +
       "\r\nContent-Type: text/html; charset=UTF-8\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n" +
       wrapped_base64(html);
  m += "--" + boundary + "--\r\n";
  return m;
}

SendResult EmailChannel::transmit(const std::string& message) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return {SendResult::retry, "cannot create a curl handle"};
  curl_easy_reset(c);
  curl_slist* rcpt = nullptr;
  for (const auto& r : config_.to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  Upload upload{&message};
  char error[CURL_ERROR_SIZE] = {0};
  std::string from = "<" + config_.from + ">";
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  long ssl = config_.starttls == "required"        ? CURLUSESSL_ALL
             : config_.starttls == "opportunistic" ? CURLUSESSL_TRY
                                                   : CURLUSESSL_NONE;
  curl_easy_setopt(c, CURLOPT_USE_SSL, ssl);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, config_.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, config_.tls_verify ? 2L : 0L);
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
  }
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(rcpt);
  if (code == CURLE_OK) return {SendResult::accepted, ""};
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  std::string what = error[0] ? error : curl_easy_strerror(code);
  if (reply) what += " (SMTP " + std::to_string(reply) + ")";
  // 5xx replies are permanent (unknown recipient, message refused); 4xx and transport
  // errors are worth another try.
  return {reply >= 500 && reply < 600 ? SendResult::rejected : SendResult::retry, redact_(what)};
}

SendResult EmailChannel::send(const std::vector<const Alert*>& alerts) {
  const Alert& a = *alerts.front();
  TemplateVars vars = alert_vars(a);
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return transmit(message(templates_.subject.render(vars), templates_.text.render(vars),
                          templates_.html.render(vars), a.id, now));
}

SendResult EmailChannel::send_digest(const Digest& digest) {
  std::string headline = digest_headline(digest);
  std::string text = headline + "\n\n",
              html = "<p><b>" + html_escape_lines(headline) + "</b></p><ul>";
  for (const auto& line : digest_lines(digest, 50)) {
    text += "- " + line + "\n";
    html += "<li>" + html_escape_lines(line) + "</li>";
  }
  html += "</ul>";
  text += "\nAlert ids:\n";
  for (const Alert* a : digest.alerts)
    text += "  " + a->id + "  " + a->rule + "  " + a->group_key + "\n";
  return transmit(message("[klaxon] " + headline, text, html, "digest-" + digest.alerts.front()->id,
                          digest.now_ms));
}

}  // namespace klaxon
