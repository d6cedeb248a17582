// Parsing of the config's `notify` section (used by parse_config).
#pragma once

#include "config/notify_config.h"
#include "config/yaml_reader.h"

namespace klaxon {

// Reads `<base>_env` / `<base>_file` of map `n` (at `path`) into `out`; both set is a problem.
void get_secret(YamlReader& r, const YAML::Node& n, const std::string& path,
                const std::string& base, SecretRef& out);

// Records every problem in `r` (file:line, key, what is wrong).
void parse_notify(YamlReader& r, const YAML::Node& notify, NotifyConfig& out);

}  // namespace klaxon
