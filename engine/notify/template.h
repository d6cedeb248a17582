// MessageTemplate: the small template language of channel messages
// (docs/delivery.md): {{name}} inserts a variable, escaped for the channel's format;
// {{#name}}...{{/name}} keeps its text only when the variable is not empty, and
// {{^name}}...{{/name}} only when it is. Unknown variables and unbalanced sections are
// errors at load, so a typo in a template never reaches on-call as a broken message.
// Immutable after parse; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

enum class Escape { none, html, json, slack };

// The variables an alert offers, by name.
using TemplateVars = std::map<std::string, std::string, std::less<>>;

class MessageTemplate {
 public:
  // Throws std::invalid_argument saying what is wrong and where (line within the text).
  static MessageTemplate parse(std::string_view text, Escape escape);
  MessageTemplate() = default;

  std::string render(const TemplateVars& vars) const;

  // The variable names an alert offers (for messages and docs/delivery.md).
  static const std::vector<std::string>& variables();

 private:
  struct Node {
    enum Kind { text, var, section, inverted } kind = text;
    std::string value;  // text, or the variable's name
    std::vector<Node> children;
  };
  void render(const std::vector<Node>& nodes, const TemplateVars& vars, std::string& out) const;
  std::vector<Node> nodes_;
  Escape escape_ = Escape::none;
};

std::string escape_text(std::string_view s, Escape escape);

}  // namespace klaxon
