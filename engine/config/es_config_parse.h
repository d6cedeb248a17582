// Parsing of the config's `elasticsearch` section (used by parse_config).
#pragma once

#include "config/es_config.h"
#include "config/yaml_reader.h"

namespace klaxon {

// Records every problem in `r` (file:line, key, what is wrong).
void parse_elasticsearch(YamlReader& r, const YAML::Node& node, EsConfig& out);

}  // namespace klaxon
