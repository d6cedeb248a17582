#include "core/backoff.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  EXPECT_EQ(backoff_delay(milliseconds(100), milliseconds(30000), 1, 1.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(milliseconds(100), milliseconds(30000), 1, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(milliseconds(100), milliseconds(30000), 4, 1.0), milliseconds(800));
  EXPECT_EQ(backoff_delay(milliseconds(100), milliseconds(30000), 30, 1.0), milliseconds(30000));
  EXPECT_EQ(backoff_delay(milliseconds(100), milliseconds(30000), 1000, 0.0), milliseconds(15000));
}

}  // namespace
}  // namespace klaxon
