#include "notify/alert_labels.h"

namespace klaxon {

std::map<std::string, std::string> alert_labels(const Alert& a) {
  std::map<std::string, std::string> labels = {
      {"alertname", a.rule},      {"severity", a.severity},
      {"group", a.group_key},     {"service", a.type.empty() ? std::string("klaxon") : a.type},
      {"rule_type", a.rule_type},
  };
  if (!a.host.empty()) labels["host"] = a.host;
  return labels;
}

}  // namespace klaxon
