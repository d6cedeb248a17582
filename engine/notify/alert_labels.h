// The labels of an alert: what identifies it to Alertmanager and what a silence matches.
// Pure function; thread-safe.
#pragma once

#include <map>
#include <string>

#include "alert/alert.h"

namespace klaxon {

// The names alert_labels() uses: what a silence may match.
inline constexpr const char* kAlertLabelNames[] = {"alertname", "severity",  "group",
                                                   "service",   "rule_type", "host"};

// alertname (the rule), severity, group, service (the event type, or "klaxon"), rule_type,
// and host when the alert has one.
std::map<std::string, std::string> alert_labels(const Alert& alert);

}  // namespace klaxon
