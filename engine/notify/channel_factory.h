// Builds the configured channels: resolves their secrets, compiles their templates (the
// defaults where a part is not given) and applies each type's default rate limit.
#pragma once

#include <vector>

#include "config/notify_config.h"
#include "notify/dispatcher.h"

namespace klaxon {

// Throws LoadError listing every problem (file:line, notify.channels.<name>.<key>, what),
// never a secret's value.
std::vector<ChannelSetup> build_channels(const NotifyConfig& config);

// The default rate limit of a channel type (docs/delivery.md): count 0 = unlimited.
RateLimit default_rate_limit(const std::string& type);
// The default template of a channel type's part.
const std::string& default_template(const std::string& type, const std::string& part);

}  // namespace klaxon
