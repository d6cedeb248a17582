// Silences: klaxon's own, for teams without Alertmanager. A silence holds back the
// notifications of matching alerts until it ends; the alerts themselves still fire, go to
// the alerts topic and are counted (klaxon_deliveries_total{result="silenced"}).
//
// A silence matches an alert when its rule (if set) is the alert's rule and every matcher
// equals the alert's label of that name (notify/alert_labels.h: alertname, severity, group,
// service, rule_type, host). Silences live in a compacted Kafka topic, <group>-silences,
// keyed by id: `klaxon silence add|expire` write it, every pod reads all of it
// (app/silence_feed.h) into a SilenceStore.
//
// Silence and its codec are pure. SilenceStore is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alert/alert.h"

namespace klaxon {

struct Silence {
  std::string id;
  std::string rule;                          // empty: any rule
  std::map<std::string, std::string> match;  // label name -> value, all must equal
  int64_t starts_ms = 0;
  int64_t ends_ms = 0;
  std::string created_by;
  std::string comment;

  bool active(int64_t now) const { return starts_ms <= now && now < ends_ms; }
  // "active", "pending" (starts later) or "expired".
  std::string_view state(int64_t now) const;
  bool matches(const Alert& alert) const;
};

std::string to_json(const Silence& s);
// Parses a document written by to_json; on failure says what is wrong in `error`.
bool from_json(std::string_view json, Silence& out, std::string& error);

// One line for logs and the CLI: "rule pay-npe, host=pay-3, 2026-11-25T10:00:00.000Z to
// 2026-11-25T12:00:00.000Z, by ana: deploy".
std::string describe(const Silence& s);

// "key=value" into a matcher; false (and why) when it has no '=' or an empty side.
bool parse_matcher(std::string_view text, std::pair<std::string, std::string>& out,
                   std::string& error);

// The silences known to this process, as the silences topic last said.
class SilenceStore {
 public:
  // A record of the silences topic: a silence, or a tombstone (no value) that removes one.
  // A value that does not parse is ignored and false is returned (with why).
  bool apply(std::string_view id, std::optional<std::string_view> value, std::string& error);
  // The id of an active silence that matches the alert, if any.
  std::optional<std::string> silenced_by(const Alert& alert, int64_t now) const;
  std::optional<Silence> find(const std::string& id) const;
  std::vector<Silence> all() const;
  // Counts by state() at `now`.
  std::map<std::string, size_t> count_by_state(int64_t now) const;
  // All silences as a JSON array, each with its state at `now` (the HTTP endpoint's body).
  std::string to_json(int64_t now) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Silence> by_id_;
};

}  // namespace klaxon
