// Base64 (RFC 4648, with padding): email bodies and headers, HTTP basic auth.
// Pure function; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace klaxon {

std::string base64(std::string_view data);

}  // namespace klaxon
