// The state benchmark of klaxon-bench (see state_bench.cc).
#pragma once

#include <cstddef>
#include <string>

namespace klaxon {

// Returns 0 when every group was restored.
// `live_partitions` stores hold the keys at once (memory); `partitions` changelog partitions
// carry them (the mock cluster keeps only ~5 MiB each).
int run_state_bench(size_t keys, int live_partitions, int partitions, const std::string& work_dir);

}  // namespace klaxon
