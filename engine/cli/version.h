// What `klaxon --version` prints: "klaxon 0.1.0 (git 7adb95c4e1d2)", "-dirty" when the tree
// had uncommitted changes at build time, "git unknown" outside a checkout (the Docker image
// passes its commit as KLAXON_GIT_COMMIT instead). Generated at build time by version.cmake.
#pragma once

#include <string>

namespace klaxon {

std::string version_text();

}  // namespace klaxon
