// Request-id extraction: finds `KEY=VALUE`, `KEY: VALUE` and `"KEY":"VALUE"` occurrences
// in a message for each configured key (e.g. reqId, traceId). A hand-written scan, since it
// runs on every matched event. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

// Appends distinct request ids found in `message` to `out`, at most `max` in total in out.
void extract_request_ids(std::string_view message, const std::vector<std::string>& keys, size_t max,
                         std::vector<std::string>& out);

}  // namespace klaxon
