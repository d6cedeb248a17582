// IndexPattern: the Elasticsearch index an event goes to, from a pattern such as
// "logstash-%{type}-%Y.%m.%d" (Logstash's default naming, which Kibana's logstash-* expects).
//
//   %{name}  the event's top-level field `name` (a string, number or boolean), lowercased,
//            with characters Elasticsearch forbids in index names replaced by '_';
//            "unknown" when the event has no such field
//   %Y %m %d %H  year, month, day, hour of the event's @timestamp in UTC
//   %%       a percent sign
// Literal text must itself be a valid index name part (lowercase, none of \/*?"<>|,# or
// space), and the pattern must not start with '-', '_' or '+': checked by parse(), so a
// config with a bad pattern is refused at load instead of every bulk item failing later.
// Pure; thread-safe once built.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

class IndexPattern {
 public:
  // Looks up a top-level field; returns false when the event has none.
  using FieldLookup = std::function<bool(std::string_view name, std::string_view& value)>;

  // The pattern, or nullopt with `error` saying what is wrong.
  static std::optional<IndexPattern> parse(std::string_view pattern, std::string& error);

  // Appends the index name for an event with time `time_ms` (UTC) to `out`.
  void render(const FieldLookup& field, int64_t time_ms, std::string& out) const;
  std::string render(const FieldLookup& field, int64_t time_ms) const {
    std::string out;
    render(field, time_ms, out);
    return out;
  }

  // The field names the pattern reads (so a decoder can capture them).
  std::vector<std::string> fields() const;

 private:
  enum class Kind { literal, field, year, month, day, hour };
  struct Part {
    Kind kind;
    std::string text;  // literal text or field name
  };
  std::vector<Part> parts_;
};

}  // namespace klaxon
