// The Logstash fields every decoder path reads into Event's own members (internal to decode).
#pragma once

#include <string_view>

namespace klaxon {

enum class Standard { none, message, timestamp, type, tags, host, path };

inline Standard standard_field(std::string_view key) {
  switch (key.size()) {
    case 4:
      if (key == "type") return Standard::type;
      if (key == "tags") return Standard::tags;
      if (key == "host") return Standard::host;
      if (key == "path") return Standard::path;
      return Standard::none;
    case 7:
      return key == "message" ? Standard::message : Standard::none;
    case 10:
      return key == "@timestamp" ? Standard::timestamp : Standard::none;
    default:
      return Standard::none;
  }
}

}  // namespace klaxon
