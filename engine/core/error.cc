#include "core/error.h"

namespace klaxon {

std::string Problem::to_string() const {
  std::string s = file.empty() ? std::string("<config>") : file;
  if (line > 0) s += ":" + std::to_string(line);
  if (line > 0 && column > 0) s += ":" + std::to_string(column);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += what;
  return s;
}

namespace {
std::string join(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) {
    if (!s.empty()) s += '\n';
    s += p.to_string();
  }
  return s;
}
}  // namespace

LoadError::LoadError(std::vector<Problem> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

}  // namespace klaxon
