// Secrets of channels: read once at start from an environment variable or a file, kept in
// memory only, and removed from any text klaxon logs (Redactor).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/notify_config.h"

namespace klaxon {

// The secret's value. Throws std::runtime_error naming the variable or file (never the
// value) when it is unset, unreadable or empty.
std::string read_secret(const SecretRef& ref);

// Replaces every known secret in a text with "[secret]" (for error messages from servers
// and libraries, which may echo a URL or a header back).
class Redactor {
 public:
  void add(std::string secret);
  std::string operator()(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace klaxon
