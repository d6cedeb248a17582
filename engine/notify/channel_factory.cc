#include "notify/channel_factory.h"

#include <map>
#include <stdexcept>

#include "core/error.h"
#include "notify/email_channel.h"
#include "notify/http_channels.h"

namespace klaxon {

namespace {

// Defaults: what an on-call engineer needs at 3 a.m., in the order they need it.
const std::map<std::pair<std::string, std::string>, std::string>& defaults() {
  static const std::map<std::pair<std::string, std::string>, std::string> d = {
      {{"email", "subject"}, "[{{severity}}] {{rule}}: {{group_key}}"},
      {{"email", "text"},
       "{{#description}}{{description}}\n\n{{/description}}"
       "Why:        {{condition}}\n"
       "Group:      {{group_by}} = {{group_key}}\n"
       "{{#exception_class}}Exception:  {{exception_class}}\n{{/exception_class}}"
       "{{#host}}Host:       {{host}}\nPath:       {{path}}\nType:       {{type}}\n{{/host}}"
       "Event time: {{event_time}}{{#first_seen}} (group first seen "
       "{{first_seen}}){{/first_seen}}\n"
       "{{#request_ids}}Requests:   {{request_ids}}\n{{/request_ids}}"
       "{{#suppressed_count}}Suppressed: {{suppressed_count}} since the previous alert\n"
       "{{/suppressed_count}}"
       "Kibana:     {{kibana_url}}\n"
       "{{#message}}\nMessage:\n{{message}}\n{{/message}}"
       "{{#stack_trace}}\nStack trace (first {{stack_trace_lines}} of {{stack_trace_total_lines}} "
       "lines):\n{{stack_trace}}\n{{/stack_trace}}"
       "\nAlert id: {{id}} ({{rule_type}} rule)\n"},
      {{"email", "html"},
       "<h3>[{{severity}}] {{rule}}</h3>"
       "{{#description}}<p>{{description}}</p>{{/description}}"
       "<table>"
       "<tr><td><b>Why</b></td><td>{{condition}}</td></tr>"
       "<tr><td><b>Group</b></td><td>{{group_by}} = {{group_key}}</td></tr>"
       "{{#exception_class}}<tr><td><b>Exception</b></td><td>{{exception_class}}</td></tr>"
       "{{/exception_class}}"
       "{{#host}}<tr><td><b>Host</b></td><td>{{host}} ({{path}}, {{type}})</td></tr>{{/host}}"
       "<tr><td><b>Event time</b></td><td>{{event_time}}</td></tr>"
       "{{#request_ids}}<tr><td><b>Requests</b></td><td>{{request_ids}}</td></tr>"
       "{{/request_ids}}"
       "</table>"
       "<p><a href=\"{{kibana_url}}\">Open in Kibana</a></p>"
       "{{#message}}<pre>{{message}}</pre>{{/message}}"
       "{{#stack_trace}}<p>Stack trace (first {{stack_trace_lines}} of "
       "{{stack_trace_total_lines}} lines):</p><pre>{{stack_trace}}</pre>{{/stack_trace}}"
       "<p><small>Alert id {{id}} ({{rule_type}} rule)</small></p>"},
      {{"wechat", "markdown"},
       "**[{{severity}}] {{rule}}**\n"
       "> group: {{group_key}}\n"
       "> why: {{condition}}\n"
       "{{#host}}> host: {{host}}\n{{/host}}"
       "{{#request_ids}}> requests: {{request_ids}}\n{{/request_ids}}"
       "> time: {{event_time}}\n"
       "{{#message}}\n{{message}}\n{{/message}}"
       "\n[Open in Kibana]({{kibana_url}})"},
      {{"slack", "text"},
       "*[{{severity}}] {{rule}}*: {{group_key}}\n"
       "{{condition}}\n"
       "{{#host}}host `{{host}}`  {{/host}}{{#request_ids}}requests "
       "{{request_ids}}{{/request_ids}}\n"
       "{{#message}}```{{message}}```\n{{/message}}"
       "<{{kibana_url}}|Open in Kibana>"},
      {{"alertmanager", "summary"}, "{{rule}}: {{condition}}"},
      {{"alertmanager", "description"},
       "{{#description}}{{description}}\n{{/description}}"
       "{{#host}}host {{host}}, {{/host}}group {{group_key}}\n"
       "{{#message}}{{message}}\n{{/message}}"
       "{{#stack_trace}}{{stack_trace}}\n{{/stack_trace}}"},
  };
  return d;
}

Escape escape_of(const std::string& type, const std::string& part) {
  if (type == "email") return part == "html" ? Escape::html : Escape::none;
  if (type == "slack") return Escape::slack;
  return Escape::none;  // JSON escaping happens when the body is written
}

}  // namespace

const std::string& default_template(const std::string& type, const std::string& part) {
  static const std::string none;
  auto it = defaults().find({type, part});
  return it == defaults().end() ? none : it->second;
}

RateLimit default_rate_limit(const std::string& type) {
  using std::chrono::minutes;
  if (type == "email") return RateLimit{20, minutes(10)};
  if (type == "wechat") return RateLimit{20, minutes(1)};  // the robot's own limit
  if (type == "slack") return RateLimit{30, minutes(1)};
  return RateLimit{0, minutes(1)};  // Alertmanager and webhooks take what comes
}

std::vector<ChannelSetup> build_channels(const NotifyConfig& config) {
  std::vector<ChannelSetup> out;
  std::vector<Problem> problems;
  for (const ChannelConfig& c : config.channels) {
    std::string path = "notify.channels." + c.name;
    std::map<std::string, MessageTemplate> templates;
    bool ok = true;
    for (const auto& [key, text] : defaults()) {
      if (key.first != c.type) continue;
      const std::string& part = key.second;
      auto given = c.templates.find(part);
      try {
        templates[part] = MessageTemplate::parse(given == c.templates.end() ? text : given->second,
                                                 escape_of(c.type, part));
      } catch (const std::invalid_argument& e) {
        int line = given == c.templates.end() ? c.line : c.template_lines.at(part);
        problems.push_back(Problem{c.file, line, path + ".templates." + part, e.what()});
        ok = false;
      }
    }
    // Secrets are read here once, so a missing one stops the start with its key named.
    for (const auto& [ref, base] : {std::pair{&c.url_secret, "url"},
                                    {&c.hmac_secret, "hmac_secret"},
                                    {&c.bearer_token, "bearer_token"},
                                    {&c.password, "password"}}) {
      if (!ref->set()) continue;
      try {
        read_secret(*ref);
      } catch (const std::runtime_error& e) {
        problems.push_back(Problem{
            c.file, c.line, path + "." + base + (ref->env.empty() ? "_file" : "_env"), e.what()});
        ok = false;
      }
    }
    if (!ok) continue;
    try {
      ChannelSetup setup;
      setup.rate_limit = c.rate_limit_set ? c.rate_limit : default_rate_limit(c.type);
      if (c.type == "email") {
        setup.channel = std::make_unique<EmailChannel>(
            c, EmailTemplates{templates["subject"], templates["text"], templates["html"]});
      } else {
        HttpTarget target = http_target(c);
        if (c.type == "alertmanager")
          setup.channel = std::make_unique<AlertmanagerChannel>(
              std::move(target), templates["summary"], templates["description"],
              config.resolve_after, static_cast<size_t>(c.max_batch), config.resend_interval);
        else if (c.type == "wechat")
          setup.channel = std::make_unique<WeChatChannel>(std::move(target), templates["markdown"]);
        else if (c.type == "slack")
          setup.channel = std::make_unique<SlackChannel>(std::move(target), templates["text"]);
        else
          setup.channel = std::make_unique<WebhookChannel>(
              std::move(target), c.hmac_secret.set() ? read_secret(c.hmac_secret) : "");
      }
      out.push_back(std::move(setup));
    } catch (const std::runtime_error& e) {
      // Secrets: the message names the variable or file, never the value.
      problems.push_back(Problem{c.file, c.line, path, e.what()});
    }
  }
  if (!problems.empty()) throw LoadError(problems);
  return out;
}

}  // namespace klaxon
