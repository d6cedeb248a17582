// Retry delays: exponential backoff with jitter, for anything that retries a remote call
// (alert channels, Elasticsearch bulk requests).
// Pure; thread-safe.
#pragma once

#include <chrono>

namespace klaxon {

// The delay before attempt `failures + 1`: `initial` doubled per earlier failure, capped
// at `max`, then scaled by `jitter` in [0, 1) into [half, all] of it, so pods that failed
// together do not retry together. `failures` counts from 1.
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, int failures, double jitter);

}  // namespace klaxon
