#include "notify/secret.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace klaxon {

std::string read_secret(const SecretRef& ref) {
  std::string value;
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (v == nullptr) throw std::runtime_error("environment variable " + ref.env + " is not set");
    value = v;
    if (value.empty()) throw std::runtime_error("environment variable " + ref.env + " is empty");
    return value;
  }
  std::ifstream in(ref.file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read secret file " + ref.file);
  std::stringstream ss;
  ss << in.rdbuf();
  value = ss.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) throw std::runtime_error("secret file " + ref.file + " is empty");
  return value;
}

void Redactor::add(std::string secret) {
  // Short values would redact ordinary words; secrets that short are not worth hiding.
  if (secret.size() >= 4) secrets_.push_back(std::move(secret));
}

std::string Redactor::operator()(std::string_view text) const {
  std::string out(text);
  for (const auto& s : secrets_) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 8))
      out.replace(pos, s.size(), "[secret]");
  }
  return out;
}

}  // namespace klaxon
