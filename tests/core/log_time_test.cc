#include "core/log_time.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/time.h"

namespace klaxon {
namespace {

int64_t at(const char* iso) { return *parse_timestamp_ms(iso); }

// The first lines of each loghub system (tests/data/loghub), one format each.
TEST(LogTime, ReadsTheTimestampOfEachLoghubFormat) {
  EXPECT_EQ(find_log_timestamp_ms("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0"),
            at("2015-07-29T17:41:44.747Z"));  // Zookeeper
  EXPECT_EQ(find_log_timestamp_ms("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop"),
            at("2015-10-18T18:01:47.978Z"));  // Hadoop
  EXPECT_EQ(find_log_timestamp_ms("081109 203615 148 INFO dfs.DataNode$PacketResponder: P"),
            at("2008-11-09T20:36:15Z"));  // HDFS
  EXPECT_EQ(find_log_timestamp_ms("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"),
            at("2005-12-04T04:47:44Z"));  // Apache
  EXPECT_EQ(find_log_timestamp_ms("17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBack"),
            at("2017-06-09T20:10:40Z"));  // Spark
  EXPECT_EQ(find_log_timestamp_ms("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 "
                                  "25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096"),
            at("2017-05-16T00:00:00.008Z"));  // OpenStack: the file name's date is not a time
}

TEST(LogTime, HonoursZonesAndOtherSeparators) {
  EXPECT_EQ(find_log_timestamp_ms("2026-11-24T10:15:30.123Z ERROR x"),
            at("2026-11-24T10:15:30.123Z"));
  EXPECT_EQ(find_log_timestamp_ms("2026-11-24 18:15:30+08:00 ERROR"), at("2026-11-24T10:15:30Z"));
  EXPECT_EQ(find_log_timestamp_ms("2026-11-24 18:15:30+0800 ERROR"), at("2026-11-24T10:15:30Z"));
  EXPECT_EQ(find_log_timestamp_ms("2026/11/24 10:15:30 ERROR"), at("2026-11-24T10:15:30Z"));
  EXPECT_EQ(find_log_timestamp_ms("<3>Dec  4 04:47:44 2005 host"), at("2005-12-04T04:47:44Z"));
}

TEST(LogTime, NoTimestampIsNoTime) {
  EXPECT_FALSE(find_log_timestamp_ms(""));
  EXPECT_FALSE(find_log_timestamp_ms("at com.pay.Foo.bar(Foo.java:42)"));
  EXPECT_FALSE(find_log_timestamp_ms("2026-13-45 99:99:99 not a date"));
  EXPECT_FALSE(find_log_timestamp_ms("12015-07-29 17:41:44 part of a longer number"));
  EXPECT_FALSE(find_log_timestamp_ms(std::string(200, 'x') + " 2015-07-29 17:41:44 too far in"));
  EXPECT_FALSE(find_log_timestamp_ms("2015-07-29 17:41"));  // cut short
}

TEST(LogTime, EveryLineOfTheZookeeperSampleHasATime) {
  std::ifstream in(std::string(KLAXON_TEST_DATA) + "/loghub/Zookeeper_200.log");
  std::string line;
  int lines = 0;
  int64_t previous = 0;
  while (std::getline(in, line)) {
    auto t = find_log_timestamp_ms(line);
    ASSERT_TRUE(t) << line;
    EXPECT_GE(*t, previous) << line;  // the sample is in time order
    previous = *t;
    ++lines;
  }
  EXPECT_EQ(lines, 200);
}

}  // namespace
}  // namespace klaxon
