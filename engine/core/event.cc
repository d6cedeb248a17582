#include "core/event.h"

namespace klaxon {

bool Event::field(std::string_view name, std::string_view& value) const {
  if (name == "message") return value = message, true;
  if (name == "type") return value = type, !type.empty() || structured;
  if (name == "host") return value = host, !host.empty();
  if (name == "path") return value = path, !path.empty();
  if (name == "@timestamp") return value = timestamp_text, !timestamp_text.empty();
  for (const auto& f : fields) {
    if (f.name == name) return value = f.value, true;
  }
  return false;
}

}  // namespace klaxon
