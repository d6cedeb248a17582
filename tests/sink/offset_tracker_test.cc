#include "sink/offset_tracker.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

const TopicPartition p0{"pay_log_topic", 0};
const TopicPartition p1{"pay_log_topic", 1};

TEST(OffsetTracker, CommitsOnlyTheFinishedPrefix) {
  OffsetTracker t;
  for (int64_t o = 10; o < 15; ++o) t.read(p0, o);
  t.finish(p0, 12);
  t.finish(p0, 13);
  EXPECT_TRUE(t.take_committable().empty());  // 10 and 11 are still in flight
  t.finish(p0, 10);
  auto c = t.take_committable();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].second, 11);
  t.finish(p0, 11);
  c = t.take_committable();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].second, 14);                 // 11, 12, 13 done; 14 is not
  EXPECT_TRUE(t.take_committable().empty());  // nothing moved since
  EXPECT_EQ(t.outstanding(), 1u);
}

TEST(OffsetTracker, PartitionsAreIndependentAndRevokedOnesForgotten) {
  OffsetTracker t;
  t.read(p0, 0);
  t.read(p1, 100);
  t.finish(p1, 100);
  t.forget(p0);
  t.finish(p0, 0);  // a late result for a partition this consumer no longer owns
  auto c = t.take_committable();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first, p1);
  EXPECT_EQ(c[0].second, 101);
  t.finish(p1, 555);  // unknown offsets are ignored
  EXPECT_EQ(t.outstanding(), 0u);
}

}  // namespace
}  // namespace klaxon
