#include "core/hash.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

// Persisted keys depend on these exact values: a change here orphans stored state.
TEST(Hash, Fnv1aIsStable) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(hex64(fnv1a64("foobar")), "85944171f73967e8");
}

}  // namespace
}  // namespace klaxon
