#include "config/notify_config_parse.h"

#include <cctype>
#include <set>

#include "core/time.h"

namespace klaxon {

namespace {

const std::set<std::string> kChannelTypes = {"alertmanager", "email", "wechat", "slack", "webhook"};

// The template parts each channel type renders (docs/delivery.md).
std::set<std::string> template_parts(const std::string& type) {
  if (type == "email") return {"subject", "text", "html"};
  if (type == "wechat") return {"markdown"};
  if (type == "slack") return {"text"};
  if (type == "alertmanager") return {"summary", "description"};
  return {};  // webhook: the alert document itself
}

void parse_channel(YamlReader& r, const std::string& name, const YAML::Node& n,
                   const std::string& path, ChannelConfig& c) {
  c.name = name;
  c.file = r.file();
  c.line = YamlReader::line_of(n);
  if (!r.check_map(n, path,
                   {"type",
                    "url",
                    "url_env",
                    "url_file",
                    "hmac_secret_env",
                    "hmac_secret_file",
                    "bearer_token_env",
                    "bearer_token_file",
                    "headers",
                    "ca_file",
                    "tls_verify",
                    "from",
                    "to",
                    "username",
                    "password_env",
                    "password_file",
                    "starttls",
                    "templates",
                    "timeout",
                    "rate_limit",
                    "max_batch"}))
    return;
  if (!n["type"].IsDefined()) {
    r.problem(n, YamlReader::join(path, "type"),
              "is required (alertmanager, email, wechat, slack or webhook)");
    return;
  }
  r.get(n, "type", path, c.type);
  if (!kChannelTypes.count(c.type)) {
    r.problem(n["type"], YamlReader::join(path, "type"),
              "'" + c.type +
                  "' is not a channel type (alertmanager, email, wechat, slack or "
                  "webhook)");
    return;
  }
  r.get(n, "url", path, c.url);
  get_secret(r, n, path, "url", c.url_secret);
  if (c.url.empty() == !c.url_secret.set())
    r.problem(n, YamlReader::join(path, "url"),
              c.url.empty() ? "is required (or url_env / url_file when the url holds a key)"
                            : "give either url or url_env / url_file, not both");
  std::string scheme = c.url.substr(0, c.url.find(':'));
  bool email = c.type == "email";
  if (!c.url.empty()) {
    bool ok =
        email ? (scheme == "smtp" || scheme == "smtps") : (scheme == "http" || scheme == "https");
    if (!ok)
      r.problem(
          n["url"], YamlReader::join(path, "url"),
          email ? "must start with smtp:// or smtps://" : "must start with http:// or https://");
  }
  get_secret(r, n, path, "bearer_token", c.bearer_token);
  r.get(n, "headers", path, c.headers);
  r.get(n, "ca_file", path, c.ca_file);
  r.get(n, "tls_verify", path, c.tls_verify);
  r.get(n, "timeout", path, c.timeout);
  if (c.timeout.count() <= 0)
    r.problem(n["timeout"], YamlReader::join(path, "timeout"), "must be positive");

  auto only_for = [&](const char* key, bool allowed, const char* types) {
    if (n[key].IsDefined() && !allowed)
      r.problem(n[key], YamlReader::join(path, key),
                std::string("applies only to ") + types + " channels");
  };
  only_for("hmac_secret_env", c.type == "webhook", "webhook");
  only_for("hmac_secret_file", c.type == "webhook", "webhook");
  get_secret(r, n, path, "hmac_secret", c.hmac_secret);
  for (const char* key : {"from", "to", "username", "password_env", "password_file", "starttls"})
    only_for(key, email, "email");
  for (const char* key : {"headers", "bearer_token_env", "bearer_token_file"})
    only_for(key, !email, "HTTP");
  only_for("max_batch", c.type == "alertmanager", "alertmanager");
  if (email) {
    r.get(n, "from", path, c.from);
    r.get(n, "to", path, c.to);
    r.get(n, "username", path, c.username);
    get_secret(r, n, path, "password", c.password);
    r.get(n, "starttls", path, c.starttls);
    if (c.from.empty()) r.problem(n, YamlReader::join(path, "from"), "is required for email");
    if (c.to.empty()) r.problem(n, YamlReader::join(path, "to"), "is required for email");
    if (c.starttls != "required" && c.starttls != "opportunistic" && c.starttls != "off")
      r.problem(n["starttls"], YamlReader::join(path, "starttls"),
                "must be required, opportunistic or off");
    if (c.password.set() && c.username.empty())
      r.problem(n, YamlReader::join(path, "username"), "is required with a password");
  }
  c.max_batch = c.type == "alertmanager" ? 64 : 1;
  r.get(n, "max_batch", path, c.max_batch, 1, 1000);

  if (const YAML::Node t = n["templates"]; t.IsDefined()) {
    std::string tpath = YamlReader::join(path, "templates");
    std::set<std::string> parts = template_parts(c.type);
    if (r.check_any_map(t, tpath)) {
      for (const auto& kv : t) {
        std::string part = kv.first.Scalar();
        if (!parts.count(part)) {
          std::string allowed;
          for (const auto& p : parts) allowed += (allowed.empty() ? "" : ", ") + p;
          r.problem(kv.first, YamlReader::join(tpath, part),
                    c.type + " channels have no template '" + part + "'" +
                        (allowed.empty() ? std::string(" (they send the alert document)")
                                         : " (they have: " + allowed + ")"));
          continue;
        }
        std::string text;
        if (r.get(t, part.c_str(), tpath, text)) {
          c.templates[part] = text;
          c.template_lines[part] = YamlReader::line_of(kv.second);
        }
      }
    }
  }
  if (const YAML::Node rl = n["rate_limit"]; rl.IsDefined()) {
    std::string rpath = YamlReader::join(path, "rate_limit");
    if (r.check_map(rl, rpath, {"count", "per"})) {
      c.rate_limit_set = true;
      r.get(rl, "count", rpath, c.rate_limit.count, 0, 1'000'000);
      r.get(rl, "per", rpath, c.rate_limit.per);
      if (c.rate_limit.per.count() <= 0)
        r.problem(rl["per"], YamlReader::join(rpath, "per"), "must be positive");
    }
  }
}

}  // namespace

void get_secret(YamlReader& r, const YAML::Node& n, const std::string& path,
                const std::string& base, SecretRef& out) {
  std::string env_key = base + "_env", file_key = base + "_file";
  r.get(n, env_key.c_str(), path, out.env);
  r.get(n, file_key.c_str(), path, out.file);
  if (!out.env.empty() && !out.file.empty())
    r.problem(n[file_key], YamlReader::join(path, file_key),
              "give either " + env_key + " or " + file_key + ", not both");
}

void parse_notify(YamlReader& r, const YAML::Node& n, NotifyConfig& out) {
  if (!r.check_map(n, "notify",
                   {"channels", "default_channels", "give_up_after", "retry_initial", "retry_max",
                    "resolve_after", "resend_interval"}))
    return;
  r.get(n, "default_channels", "notify", out.default_channels);
  r.get(n, "give_up_after", "notify", out.give_up_after);
  r.get(n, "retry_initial", "notify", out.retry_initial);
  r.get(n, "retry_max", "notify", out.retry_max);
  r.get(n, "resolve_after", "notify", out.resolve_after);
  r.get(n, "resend_interval", "notify", out.resend_interval);
  bool alertmanager = false;
  if (const YAML::Node ch = n["channels"]; ch.IsDefined() && ch.IsMap())
    for (const auto& kv : ch) {
      if (!kv.second.IsDefined() || !kv.second.IsMap()) continue;
      const YAML::Node type = kv.second["type"];
      alertmanager =
          alertmanager || (type.IsDefined() && type.IsScalar() && type.Scalar() == "alertmanager");
    }
  if (alertmanager && out.resend_interval.count() > 0 && out.resend_interval >= out.resolve_after)
    r.problem(n["resend_interval"].IsDefined() ? n["resend_interval"] : n["resolve_after"],
              "notify.resend_interval",
              "must be shorter than notify.resolve_after (" + format_duration(out.resolve_after) +
                  "), or alerts resolve before they are sent again; 0s turns re-sending off");
  if (out.retry_initial.count() <= 0)
    r.problem(n["retry_initial"], "notify.retry_initial", "must be positive");
  if (out.retry_max < out.retry_initial)
    r.problem(n["retry_max"], "notify.retry_max", "must be at least notify.retry_initial");
  if (out.give_up_after.count() <= 0)
    r.problem(n["give_up_after"], "notify.give_up_after", "must be positive");
  std::set<std::string> names;
  if (const YAML::Node ch = n["channels"]; ch.IsDefined()) {
    if (r.check_any_map(ch, "notify.channels")) {
      for (const auto& kv : ch) {
        std::string name = kv.first.Scalar();
        std::string path = YamlReader::join("notify.channels", name);
        bool valid = !name.empty();
        for (char x : name)
          valid = valid &&
                  (std::isalnum(static_cast<unsigned char>(x)) || x == '-' || x == '_' || x == '.');
        if (!valid) {
          r.problem(kv.first, path,
                    "'" + name + "' is not a channel name (letters, digits, '_', '.', '-')");
          continue;
        }
        ChannelConfig c;
        parse_channel(r, name, kv.second, path, c);
        names.insert(name);
        out.channels.push_back(std::move(c));
      }
    }
  }
  for (const auto& d : out.default_channels)
    if (!names.count(d))
      r.problem(n["default_channels"], "notify.default_channels",
                "'" + d + "' is not a channel under notify.channels");
}

}  // namespace klaxon
