#include "notify/template.h"

#include <algorithm>
#include <stdexcept>

#include "core/json_writer.h"

namespace klaxon {

const std::vector<std::string>& MessageTemplate::variables() {
  static const std::vector<std::string> names = {"id",
                                                 "rule",
                                                 "rule_type",
                                                 "severity",
                                                 "description",
                                                 "group_by",
                                                 "group_key",
                                                 "condition",
                                                 "count",
                                                 "suppressed_count",
                                                 "host",
                                                 "path",
                                                 "type",
                                                 "tags",
                                                 "message",
                                                 "stack_trace",
                                                 "stack_trace_lines",
                                                 "stack_trace_total_lines",
                                                 "stack_trace_truncated",
                                                 "request_ids",
                                                 "kibana_url",
                                                 "event_time",
                                                 "first_seen",
                                                 "last_seen",
                                                 "window_start",
                                                 "window_end",
                                                 "exception_class",
                                                 "top_frames",
                                                 "topic",
                                                 "partition",
                                                 "offset"};
  return names;
}

namespace {

int line_at(std::string_view text, size_t pos) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

}  // namespace

MessageTemplate MessageTemplate::parse(std::string_view text, Escape escape) {
  MessageTemplate t;
  t.escape_ = escape;
  const auto& known = variables();
  struct Open {
    std::vector<Node>* nodes;
    std::string name;
    size_t pos;
  };
  std::vector<Open> stack;
  std::vector<Node>* current = &t.nodes_;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      current->push_back(Node{Node::text, std::string(text.substr(i)), {}});
      break;
    }
    if (open > i) current->push_back(Node{Node::text, std::string(text.substr(i, open - i)), {}});
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      throw std::invalid_argument("line " + std::to_string(line_at(text, open)) +
                                  ": '{{' without a closing '}}'");
    std::string tag(text.substr(open + 2, close - open - 2));
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    char sigil = tag.empty() ? '\0' : tag[0];
    std::string name = (sigil == '#' || sigil == '^' || sigil == '/') ? tag.substr(1) : tag;
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw std::invalid_argument("line " + std::to_string(line_at(text, open)) + ": '{{" + tag +
                                  "}}': unknown variable '" + name + "'");
    if (sigil == '#' || sigil == '^') {
      current->push_back(Node{sigil == '#' ? Node::section : Node::inverted, name, {}});
      stack.push_back(Open{current, name, open});
      current = &current->back().children;
    } else if (sigil == '/') {
      if (stack.empty() || stack.back().name != name)
        throw std::invalid_argument(
            "line " + std::to_string(line_at(text, open)) + ": '{{/" + name + "}}' closes " +
            (stack.empty() ? std::string("no open section") : "'{{#" + stack.back().name + "}}'"));
      current = stack.back().nodes;
      stack.pop_back();
    } else {
      current->push_back(Node{Node::var, name, {}});
    }
    i = close + 2;
  }
  if (!stack.empty())
    throw std::invalid_argument("line " + std::to_string(line_at(text, stack.back().pos)) +
                                ": '{{#" + stack.back().name + "}}' is never closed");
  return t;
}

std::string MessageTemplate::render(const TemplateVars& vars) const {
  std::string out;
  render(nodes_, vars, out);
  return out;
}

void MessageTemplate::render(const std::vector<Node>& nodes, const TemplateVars& vars,
                             std::string& out) const {
  for (const Node& n : nodes) {
    auto it = n.kind == Node::text ? vars.end() : vars.find(n.value);
    bool empty = it == vars.end() || it->second.empty();
    switch (n.kind) {
      case Node::text:
        out += n.value;
        break;
      case Node::var:
        if (!empty) out += escape_text(it->second, escape_);
        break;
      case Node::section:
        if (!empty) render(n.children, vars, out);
        break;
      case Node::inverted:
        if (empty) render(n.children, vars, out);
        break;
    }
  }
}

std::string escape_text(std::string_view s, Escape escape) {
  std::string out;
  switch (escape) {
    case Escape::none:
      return std::string(s);
    case Escape::json: {
      append_json_string(out, s);  // quoted: the template writes "…{{x}}…" without quotes
      return out.substr(1, out.size() - 2);
    }
    case Escape::html:
    case Escape::slack:
      // Slack's documented escaping covers only &, < and > (its mrkdwn control characters);
      // HTML also needs the quotes, for attribute values.
      for (char c : s) {
        if (c == '&')
          out += "&amp;";
        else if (c == '<')
          out += "&lt;";
        else if (c == '>')
          out += "&gt;";
        else if (escape == Escape::html && c == '"')
          out += "&quot;";
        else if (escape == Escape::html && c == '\'')
          out += "&#39;";
        else
          out += c;
      }
      return out;
  }
  return out;
}

}  // namespace klaxon
