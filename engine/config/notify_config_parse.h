// Parsing of the config's `notify` section (used by parse_config).
#pragma once

#include "config/notify_config.h"
#include "config/yaml_reader.h"

namespace klaxon {

// Records every problem in `r` (file:line, key, what is wrong).
void parse_notify(YamlReader& r, const YAML::Node& notify, NotifyConfig& out);

}  // namespace klaxon
