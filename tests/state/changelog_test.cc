// Changelog writing and restoration against librdkafka's mock cluster.
#include "state/changelog.h"

#include <gtest/gtest.h>

#include "source/mock_cluster.h"
#include "source/producer.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

class ChangelogTest : public ::testing::Test {
 protected:
  ChangelogTest() : producer_(ProducerOptions{cluster_.bootstrap_servers(), {}}) {
    cluster_.create_topic("app-rules-changelog", 2, 1);
  }
  std::unique_ptr<StateStore> store(const std::string& name) {
    StateOptions o;
    o.dir = dir_.path() + "/" + name;
    o.sync = false;
    return std::make_unique<StateStore>(o);
  }
  RestoreOptions restore_options(const std::string& identity = "c/app-rules-changelog/1") {
    RestoreOptions o;
    o.bootstrap_servers = cluster_.bootstrap_servers();
    o.topic = "app-rules-changelog";
    o.partition = 1;
    o.identity = identity;
    return o;
  }
  // Writes one batch through the writer and commits it like StatePartitions does.
  void write_batch(StateStore& s, ChangelogWriter& w,
                   const std::vector<std::pair<std::string, std::string>>& puts) {
    for (const auto& [k, v] : puts) v.empty() ? s.erase(k) : s.put(k, v);
    ASSERT_GT(w.send(s, 1), 0u);
    std::string error;
    ASSERT_TRUE(w.wait(std::chrono::seconds(10), error)) << error;
    s.stage_checkpoint("c/app-rules-changelog/1", w.marker_offset(1));
    ASSERT_TRUE(s.commit_batch().ok());
  }
  RestoreProgress restore(StateStore& s, const RestoreOptions& o) {
    return restore_store(s, o, [](const RestoreProgress&) {});
  }
  static std::string value(StateStore& s, const std::string& key) {
    std::string v;
    return s.get(key, v) ? v : "<absent>";
  }

  MockCluster cluster_{1};
  KafkaProducer producer_;
  test::TempDir dir_;
};

TEST_F(ChangelogTest, AFreshStoreGetsEveryCompleteBatch) {
  auto writer_store = store("writer");
  ChangelogWriter writer(producer_, "app-rules-changelog");
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "1"},
               {"g\x1fr\x1f"
                "b",
                "1"}});
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "2"},
               {"g\x1fr\x1f"
                "b",
                ""}});
  EXPECT_EQ(writer.marker_offset(1), 5) << "2 keys + marker, 2 keys + marker";

  auto fresh = store("fresh");
  RestoreProgress p = restore(*fresh, restore_options());
  EXPECT_TRUE(p.done);
  EXPECT_EQ(p.from, 0);
  EXPECT_EQ(p.end, 6);
  EXPECT_EQ(p.records, 6u);
  EXPECT_EQ(p.batches, 2u);
  EXPECT_EQ(value(*fresh,
                  "g\x1fr\x1f"
                  "a"),
            "2");
  EXPECT_EQ(value(*fresh,
                  "g\x1fr\x1f"
                  "b"),
            "<absent>")
      << "erased by a tombstone";
  std::string name;
  int64_t offset;
  ASSERT_TRUE(fresh->checkpoint(name, offset));
  EXPECT_EQ(offset, 5);
}

TEST_F(ChangelogTest, ABatchWithoutItsMarkerIsNotAppliedUntilALaterBatchFollowsIt) {
  auto writer_store = store("writer");
  ChangelogWriter writer(producer_, "app-rules-changelog");
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "1"}});
  // A writer that died after producing part of a batch, before its marker.
  std::string error;
  ASSERT_TRUE(producer_.produce("app-rules-changelog",
                                "g\x1fr\x1f"
                                "a",
                                "orphan", {}, nullptr, &error, 1));
  ASSERT_TRUE(producer_.produce("app-rules-changelog",
                                "g\x1fr\x1f"
                                "z",
                                "orphan", {}, nullptr, &error, 1));
  ASSERT_TRUE(producer_.flush(std::chrono::seconds(10)));

  auto first = store("first");
  restore(*first, restore_options());
  EXPECT_EQ(value(*first,
                  "g\x1fr\x1f"
                  "a"),
            "1")
      << "the unfinished batch is not applied";
  EXPECT_EQ(value(*first,
                  "g\x1fr\x1f"
                  "z"),
            "<absent>");

  // The next owner reprocesses the same input and writes those keys again after it.
  write_batch(*first, writer,
              {{"g\x1fr\x1f"
                "a",
                "2"}});
  auto second = store("second");
  restore(*second, restore_options());
  EXPECT_EQ(value(*second,
                  "g\x1fr\x1f"
                  "a"),
            "2")
      << "the later value wins";
}

TEST_F(ChangelogTest, ACurrentLocalCopyReplaysOnlyTheTail) {
  auto writer_store = store("writer");
  ChangelogWriter writer(producer_, "app-rules-changelog");
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "1"}});
  auto local = store("local");
  restore(*local, restore_options());
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "b",
                "1"}});  // offsets 2, 3
  RestoreProgress p = restore(*local, restore_options());
  EXPECT_FALSE(p.wiped);
  EXPECT_EQ(p.from, 2);
  EXPECT_EQ(p.records, 2u);
  EXPECT_EQ(value(*local,
                  "g\x1fr\x1f"
                  "a"),
            "1");
  EXPECT_EQ(value(*local,
                  "g\x1fr\x1f"
                  "b"),
            "1");
  p = restore(*local, restore_options());
  EXPECT_EQ(p.records, 0u) << "nothing new";
}

TEST_F(ChangelogTest, ACopyOfAnotherChangelogIsWipedAndRebuilt) {
  auto writer_store = store("writer");
  ChangelogWriter writer(producer_, "app-rules-changelog");
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "1"}});
  auto stale = store("stale");
  stale->put("g\x1fr\x1fleftover", "x");
  stale->stage_checkpoint("another-cluster/app-rules-changelog/1", 99);
  ASSERT_TRUE(stale->commit_batch().ok());
  RestoreProgress p = restore(*stale, restore_options());
  EXPECT_TRUE(p.wiped);
  EXPECT_EQ(value(*stale, "g\x1fr\x1fleftover"), "<absent>");
  EXPECT_EQ(value(*stale,
                  "g\x1fr\x1f"
                  "a"),
            "1");
}

TEST_F(ChangelogTest, ACheckpointBeyondTheLogsEndIsWipedAndRebuilt) {
  auto writer_store = store("writer");
  ChangelogWriter writer(producer_, "app-rules-changelog");
  write_batch(*writer_store, writer,
              {{"g\x1fr\x1f"
                "a",
                "1"}});
  auto ahead = store("ahead");
  ahead->put(
      "g\x1fr\x1f"
      "a",
      "from a log that was recreated");
  ahead->stage_checkpoint("c/app-rules-changelog/1", 500);
  ASSERT_TRUE(ahead->commit_batch().ok());
  RestoreProgress p = restore(*ahead, restore_options());
  EXPECT_TRUE(p.wiped);
  EXPECT_EQ(value(*ahead,
                  "g\x1fr\x1f"
                  "a"),
            "1");
}

}  // namespace
}  // namespace klaxon
