#include "state/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "state/codec.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kT0 = 1'764'000'000'000;  // a plausible event time

class StateStoreTest : public ::testing::Test {
 protected:
  StateOptions options() const {
    StateOptions o;
    o.dir = dir_.path() + "/state";
    return o;
  }
  std::unique_ptr<StateStore> open() { return std::make_unique<StateStore>(options()); }

  // Opens the closed database directly, bypassing StateStore.
  std::unique_ptr<rocksdb::DB> raw_db() {
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(), dir_.path() + "/state", &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<rocksdb::DB>(db);
  }
  std::vector<std::string> raw_keys_with_prefix(std::string_view prefix) {
    auto db = raw_db();
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
         it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
         it->Next())
      keys.push_back(it->key().ToString());
    EXPECT_TRUE(it->status().ok());
    return keys;
  }

  test::TempDir dir_;
};

std::vector<std::string> ids_of(const std::vector<OutboxEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.alert_id);
  return ids;
}

OutboxEntry entry(const std::string& id) {
  OutboxEntry e;
  e.alert_id = id;
  e.key = "key-" + id;
  e.document = "{\"id\":\"" + id + "\"}";
  return e;
}

void commit_ok(StateStore& store) {
  rocksdb::Status s = store.commit_batch();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::string get_or(StateStore& store, std::string_view key, std::string absent = "<absent>") {
  std::string value;
  return store.get(key, value) ? value : absent;
}

std::vector<std::string> scan_keys(StateStore& store, std::string_view from, std::string_view to) {
  std::vector<std::string> keys;
  store.scan(from, to, [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  return keys;
}

// --- batches -------------------------------------------------------------------------------

TEST_F(StateStoreTest, ReadYourWritesBeforeCommit) {
  auto store = open();
  store->put("g\x1fr\x1fk", "one");
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "one");
  store->put("g\x1fr\x1fk", "two");
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "two");
  commit_ok(*store);
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "two");
  store->erase("g\x1fr\x1fk");
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "<absent>") << "an erase is visible in its batch";
  commit_ok(*store);
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "<absent>");
}

TEST_F(StateStoreTest, ScanMergesTheBatchWithCommittedKeysInOrder) {
  auto store = open();
  for (const char* k : {"t\x1f"
                        "b",
                        "t\x1f"
                        "d",
                        "t\x1f"
                        "f",
                        "u\x1f"
                        "a"})
    store->put(k, "");
  commit_ok(*store);
  store->put(
      "t\x1f"
      "c",
      "");  // new in the batch
  store->erase(
      "t\x1f"
      "d");  // erased in the batch
  store->put(
      "t\x1f"
      "a",
      "");
  store->put(
      "t\x1f"
      "z",
      "");  // beyond the range's end in the batch
  EXPECT_THAT(scan_keys(*store,
                        "t\x1f"
                        "a",
                        "t\x1f"
                        "g"),
              ElementsAre("t\x1f"
                          "a",
                          "t\x1f"
                          "b",
                          "t\x1f"
                          "c",
                          "t\x1f"
                          "f"));
  std::vector<std::string> first_two;
  store->scan("t\x1f", "t\x20", [&](std::string_view k, std::string_view) {
    first_two.emplace_back(k);
    return first_two.size() < 2;
  });
  EXPECT_THAT(first_two, ElementsAre("t\x1f"
                                     "a",
                                     "t\x1f"
                                     "b"))
      << "the visitor stops the scan";
}

TEST_F(StateStoreTest, DiscardBatchLeavesNothing) {
  auto store = open();
  store->put("g\x1fr\x1fk", "v");
  store->add_groups(1);
  store->stage_alert(entry("x"));
  store->stage_offset("s", 0, 41);
  store->discard_batch();
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "<absent>");
  commit_ok(*store);  // nothing left to write
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "<absent>");
  EXPECT_THAT(store->pending_alerts(), IsEmpty());
  EXPECT_EQ(store->applied_offset("s", 0), -1);
  EXPECT_EQ(store->estimated_groups(), 0u);
}

TEST_F(StateStoreTest, DiscardKeepsEarlierCommits) {
  auto store = open();
  store->put("k", "committed");
  commit_ok(*store);
  store->put("k", "discarded");
  store->discard_batch();
  EXPECT_EQ(get_or(*store, "k"), "committed");
}

TEST_F(StateStoreTest, EmptyCommitIsOk) {
  auto store = open();
  commit_ok(*store);
  commit_ok(*store);
}

// --- durability and atomicity ----------------------------------------------------------

TEST_F(StateStoreTest, CommittedStateSurvivesReopenUncommittedDoesNot) {
  {
    auto store = open();
    store->put("g\x1fr\x1fk", "v1");
    store->add_groups(1);
    store->stage_alert(entry("one"));
    store->stage_offset("cluster/logs", 2, 100);
    commit_ok(*store);
    // Staged but never committed when the store goes away.
    store->put("g\x1fr\x1fk", "v2");
    store->put("g\x1fr\x1fother", "v");
    store->add_groups(1);
    store->stage_alert(entry("two"));
    store->stage_offset("cluster/logs", 2, 200);
  }
  auto store = open();
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fk"), "v1");
  EXPECT_EQ(get_or(*store, "g\x1fr\x1fother"), "<absent>");
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("one"));
  EXPECT_EQ(store->applied_offset("cluster/logs", 2), 100);
  EXPECT_EQ(store->estimated_groups(), 1u);
}

// The process dies right after commit_batch, without closing the store: the commit must
// already be in the WAL. The parent runs this binary again with only the child test
// selected and the directory in the environment; without that variable the child test is
// skipped.
constexpr const char* kCrashDirVar = "KLAXON_STATE_CRASH_DIR";

TEST(StateStoreCrashChild, CommitThenDie) {
  const char* dir = std::getenv(kCrashDirVar);
  if (dir == nullptr) GTEST_SKIP() << "run by StateStoreTest.CommitSurvivesProcessDeath";
  StateOptions o;
  o.dir = dir;
  o.sync = std::string_view(dir).ends_with("/sync");
  StateStore store(o);
  store.put("k", "a");
  store.stage_alert(entry("x"));
  store.stage_offset("s", 0, 9);
  if (!store.commit_batch().ok()) std::_Exit(2);
  store.put("uncommitted", "b");
  store.stage_offset("s", 0, 10);
  std::_Exit(0);
}

int run_crash_child(const std::string& dir) {
  std::string exe = std::filesystem::read_symlink("/proc/self/exe");
  std::string filter = "--gtest_filter=StateStoreCrashChild.CommitThenDie";
  std::string env = std::string(kCrashDirVar) + "=" + dir;
  char* argv[] = {exe.data(), filter.data(), nullptr};
  char* envp[] = {env.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(StateStoreTest, CommitSurvivesProcessDeath) {
  for (bool sync : {true, false}) {
    StateOptions o = options();
    o.dir = dir_.path() + (sync ? "/sync" : "/nosync");
    ASSERT_EQ(run_crash_child(o.dir), 0) << "sync=" << sync;
    StateStore store(o);
    EXPECT_EQ(get_or(store, "k"), "a") << "sync=" << sync;
    EXPECT_EQ(get_or(store, "uncommitted"), "<absent>");
    EXPECT_THAT(ids_of(store.pending_alerts()), ElementsAre("x"));
    EXPECT_EQ(store.applied_offset("s", 0), 9);
  }
}

TEST_F(StateStoreTest, UnsyncedCommitsSurviveReopen) {
  StateOptions o = options();
  o.sync = false;
  {
    StateStore store(o);
    store.put("k", "v");
    store.stage_offset("s", 0, 7);
    commit_ok(store);
  }
  StateStore store(o);
  EXPECT_EQ(get_or(store, "k"), "v");
  EXPECT_EQ(store.applied_offset("s", 0), 7);
}

TEST_F(StateStoreTest, BatchIsAllOrNothingAcrossReopen) {
  {
    auto store = open();
    store->put("committed", "1");
    store->stage_alert(entry("committed"));
    store->stage_offset("s", 0, 10);
    commit_ok(*store);

    store->put("discarded", "1");
    store->put("committed", "2");
    store->stage_alert(entry("discarded"));
    store->stage_offset("s", 0, 20);
    store->stage_offset("s", 1, 5);
    store->discard_batch();
  }
  auto store = open();
  EXPECT_EQ(get_or(*store, "committed"), "1");
  EXPECT_EQ(get_or(*store, "discarded"), "<absent>");
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("committed"));
  EXPECT_EQ(store->applied_offset("s", 0), 10);
  EXPECT_EQ(store->applied_offset("s", 1), -1);
}

// --- outbox --------------------------------------------------------------------------------

TEST_F(StateStoreTest, OutboxKeepsOrderAcrossReopenAndRemovesById) {
  {
    auto store = open();
    for (const char* id : {"zeta", "alpha", "mu"}) store->stage_alert(entry(id));
    commit_ok(*store);
    EXPECT_THAT(store->pending_alerts(), ::testing::SizeIs(3));
    store->stage_alert(entry("beta"));
    EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("zeta", "alpha", "mu"))
        << "staged alerts are not pending until committed";
    commit_ok(*store);
  }
  auto store = open();
  std::vector<OutboxEntry> pending = store->pending_alerts();
  ASSERT_THAT(ids_of(pending), ElementsAre("zeta", "alpha", "mu", "beta"));
  EXPECT_EQ(pending[1].key, "key-alpha");
  EXPECT_EQ(pending[1].document, "{\"id\":\"alpha\"}");

  store->stage_remove_alert("alpha");
  commit_ok(*store);
  store->stage_remove_alert("alpha");
  commit_ok(*store);
  store->stage_remove_alert("never-staged");
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("zeta", "mu", "beta"));

  store->stage_alert(entry("new"));
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("zeta", "mu", "beta", "new"));
}

// The count is kept in memory (the engine reads it every few seconds); it must agree with
// the outbox through re-staging, removal and re-staging in one batch, discards and reopens.
TEST_F(StateStoreTest, PendingAlertCountFollowsTheOutbox) {
  {
    auto store = open();
    for (const char* id : {"a", "b", "c"}) store->stage_alert(entry(id));
    EXPECT_EQ(store->pending_alert_count(), 0u) << "staged only";
    commit_ok(*store);
    EXPECT_EQ(store->pending_alert_count(), 3u);
    store->stage_alert(entry("b"));  // already there: keeps its place
    store->stage_remove_alert("a");
    store->stage_alert(entry("d"));
    store->discard_batch();
    EXPECT_EQ(store->pending_alert_count(), 3u) << "discarded";
    store->stage_remove_alert("a");
    store->stage_alert(entry("a"));  // removed and staged again in one batch: still there
    store->stage_remove_alert("c");
    commit_ok(*store);
    EXPECT_EQ(store->pending_alert_count(), 2u);
    EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("a", "b"));
  }
  auto store = open();
  EXPECT_EQ(store->pending_alert_count(), 2u);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("a", "b"));
}

TEST_F(StateStoreTest, NewAlertsAfterReopenComeAfterOldOnes) {
  {
    auto store = open();
    for (int i = 0; i < 300; ++i) store->stage_alert(entry("old" + std::to_string(i)));
    commit_ok(*store);
    // Remove some from the front and the newest: the order of the rest must not change.
    store->stage_remove_alert("old0");
    commit_ok(*store);
    store->stage_remove_alert("old299");
    commit_ok(*store);
  }
  auto store = open();
  store->stage_alert(entry("new"));
  commit_ok(*store);
  std::vector<std::string> ids = ids_of(store->pending_alerts());
  ASSERT_EQ(ids.size(), 299u);
  for (int i = 1; i < 299; ++i)
    EXPECT_EQ(ids[static_cast<size_t>(i - 1)], "old" + std::to_string(i));
  EXPECT_EQ(ids.back(), "new");
}

TEST_F(StateStoreTest, OutboxEmptiedAndReopenedStillWorks) {
  {
    auto store = open();
    store->stage_alert(entry("a"));
    commit_ok(*store);
    store->stage_remove_alert("a");
    commit_ok(*store);
  }
  auto store = open();
  EXPECT_THAT(store->pending_alerts(), IsEmpty());
  store->stage_alert(entry("b"));
  store->stage_alert(entry("c"));
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("b", "c"));
}

TEST_F(StateStoreTest, RestagingAnIdDoesNotDuplicateIt) {
  auto store = open();
  store->stage_alert(entry("a"));
  store->stage_alert(entry("b"));
  OutboxEntry updated = entry("a");
  updated.document = "v2";
  store->stage_alert(updated);  // same batch
  commit_ok(*store);
  std::vector<OutboxEntry> pending = store->pending_alerts();
  ASSERT_THAT(ids_of(pending), ElementsAre("a", "b"));
  EXPECT_EQ(pending[0].document, "v2");

  updated.document = "v3";
  store->stage_alert(updated);  // already committed
  commit_ok(*store);
  pending = store->pending_alerts();
  ASSERT_THAT(ids_of(pending), ElementsAre("a", "b"));
  EXPECT_EQ(pending[0].document, "v3");
  store->stage_remove_alert("a");
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("b"));
}

TEST_F(StateStoreTest, RemoveDeletesEntryAndIndexTogether) {
  {
    auto store = open();
    store->stage_alert(entry("keep"));
    store->stage_alert(entry("drop"));
    commit_ok(*store);
    store->stage_remove_alert("drop");
    commit_ok(*store);
  }
  EXPECT_EQ(raw_keys_with_prefix(state_codec::kOutboxPrefix).size(), 1u);
  EXPECT_THAT(raw_keys_with_prefix(state_codec::kAlertIndexPrefix),
              ElementsAre(state_codec::alert_index_key("keep")));
}

// --- applied offsets -------------------------------------------------------------------

TEST_F(StateStoreTest, AppliedOffsetsPerStreamAndPartition) {
  auto store = open();
  EXPECT_EQ(store->applied_offset("c/logs", 0), -1);
  store->stage_offset("c/logs", 0, 10);
  store->stage_offset("c/logs", 1, 20);
  store->stage_offset("c/other", 0, 30);
  EXPECT_EQ(store->applied_offset("c/logs", 0), -1) << "staged offsets are not applied yet";
  commit_ok(*store);
  EXPECT_EQ(store->applied_offset("c/logs", 0), 10);
  EXPECT_EQ(store->applied_offset("c/logs", 1), 20);
  EXPECT_EQ(store->applied_offset("c/other", 0), 30);
  EXPECT_EQ(store->applied_offset("c/other", 1), -1);
  EXPECT_EQ(store->applied_offset("c/logs", 11), -1);

  for (int64_t off : {11, 500, 501}) {
    store->stage_offset("c/logs", 0, off);
    commit_ok(*store);
    EXPECT_EQ(store->applied_offset("c/logs", 0), off);
  }
  // The last staged value in a batch wins.
  store->stage_offset("c/logs", 1, 21);
  store->stage_offset("c/logs", 1, 22);
  commit_ok(*store);
  EXPECT_EQ(store->applied_offset("c/logs", 1), 22);

  store.reset();
  store = open();
  EXPECT_EQ(store->applied_offset("c/logs", 0), 501);
  EXPECT_EQ(store->applied_offset("c/logs", 1), 22);
  EXPECT_EQ(store->applied_offset("c/other", 0), 30);
}

TEST_F(StateStoreTest, AppliedOffsetZeroIsDistinctFromUnknown) {
  auto store = open();
  store->stage_offset("s", 0, 0);
  commit_ok(*store);
  store.reset();
  store = open();
  EXPECT_EQ(store->applied_offset("s", 0), 0);
}

// --- opening ---------------------------------------------------------------------------

TEST_F(StateStoreTest, SecondStoreOnSameDirectoryThrowsNamingIt) {
  auto first = open();
  try {
    StateStore second(options());
    FAIL() << "a second store opened the same directory";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open state directory " + options().dir));
    EXPECT_THAT(e.what(), HasSubstr("LOCK"));
  }
  first.reset();
  EXPECT_NO_THROW(open());
}

TEST_F(StateStoreTest, CreatesMissingParentDirectories) {
  StateOptions o = options();
  o.dir = dir_.path() + "/a/b/c";
  StateStore store(o);
  store.put("k", "v");
  commit_ok(store);
  EXPECT_TRUE(std::filesystem::exists(o.dir + "/CURRENT"));
}

TEST_F(StateStoreTest, DirectoryThatIsAFileThrowsNamingIt) {
  std::string path = dir_.path() + "/not-a-dir";
  std::ofstream(path) << "x";
  StateOptions o = options();
  o.dir = path;
  try {
    StateStore store(o);
    FAIL() << "opened a file as a state directory";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open state directory " + path));
  }
}

// --- corrupt values --------------------------------------------------------------------

TEST_F(StateStoreTest, CorruptOutboxValueIsSkipped) {
  {
    auto store = open();
    store->stage_alert(entry("a"));
    store->stage_alert(entry("b"));
    commit_ok(*store);
  }
  {
    auto db = raw_db();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), state_codec::outbox_key(0), "junk").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = open();
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("b"));
  store->stage_alert(entry("c"));
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("b", "c"));
}

// --- group count -----------------------------------------------------------------------

TEST_F(StateStoreTest, EstimatedGroupsCountsCommittedGroups) {
  {
    auto store = open();
    EXPECT_EQ(store->estimated_groups(), 0u);
    store->add_groups(2);
    EXPECT_EQ(store->estimated_groups(), 0u) << "uncommitted groups are not counted";
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 2u);
    store->add_groups(3);
    store->add_groups(-1);
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 4u);
    store->add_groups(5);
    store->discard_batch();
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 4u);
  }
  auto store = open();
  EXPECT_EQ(store->estimated_groups(), 4u);
  store->add_groups(-10);
  commit_ok(*store);
  EXPECT_EQ(store->estimated_groups(), 0u) << "never below zero";
}

TEST_F(StateStoreTest, EstimatedGroupsRecountsWhenItsKeyIsMissing) {
  {
    auto store = open();
    for (int i = 0; i < 5; ++i) store->put(state_codec::group_key("r", std::to_string(i)), "v");
    store->put(state_codec::timer_key(kT0, state_codec::group_key("r", "0")), "");
    store->add_groups(5);
    commit_ok(*store);
  }
  {
    auto db = raw_db();
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), state_codec::kGroupCountKey).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = open();
  EXPECT_EQ(store->estimated_groups(), 5u) << "group keys counted, timers not";
  store->add_groups(1);
  commit_ok(*store);
  EXPECT_EQ(store->estimated_groups(), 6u);
}

}  // namespace
}  // namespace klaxon

// --- changelog support -------------------------------------------------------------------

namespace klaxon {
namespace {

class ChangelogSupportTest : public ::testing::Test {
 protected:
  std::unique_ptr<StateStore> open() {
    StateOptions o;
    o.dir = dir_.path() + "/state";
    o.sync = false;
    return std::make_unique<StateStore>(o);
  }
  static std::map<std::string, std::string> changes(StateStore& store) {
    std::map<std::string, std::string> out;
    store.visit_changes([&](std::string_view k, const std::string_view* v) {
      out[std::string(k)] = v ? std::string(*v) : "<erased>";
    });
    return out;
  }
  test::TempDir dir_;
};

TEST_F(ChangelogSupportTest, ChangesAreEachKeysFinalValueWithoutLocalKeys) {
  auto store = open();
  store->put(
      "g\x1fr\x1f"
      "a",
      "1");
  store->put(
      "g\x1fr\x1f"
      "a",
      "2");
  store->put(
      "g\x1fr\x1f"
      "b",
      "x");
  store->erase(
      "g\x1fr\x1f"
      "b");
  store->add_groups(1);
  store->stage_checkpoint("cluster/changelog/0", 41);
  auto c = changes(*store);
  EXPECT_EQ(c["g\x1fr\x1f"
              "a"],
            "2");
  EXPECT_EQ(c["g\x1fr\x1f"
              "b"],
            "<erased>");
  EXPECT_EQ(c.count(std::string(state_codec::kCheckpointKey)), 0u) << "local only";
  EXPECT_EQ(c.count(std::string(state_codec::kGroupCountKey)), 1u) << "the count is state";
  commit_ok(*store);
  EXPECT_EQ(store->estimated_groups(), 1u);
  std::string name;
  int64_t offset = -1;
  ASSERT_TRUE(store->checkpoint(name, offset));
  EXPECT_EQ(name, "cluster/changelog/0");
  EXPECT_EQ(offset, 41);
  EXPECT_TRUE(changes(*store).empty());
}

TEST_F(ChangelogSupportTest, RestoreWritesChangesAndCheckpointAndReloadsCounters) {
  std::vector<StateStore::Change> restored;
  {
    auto source = open();
    source->put(
        "g\x1fr\x1f"
        "a",
        "1");
    source->add_groups(1);
    source->stage_alert(entry("alert-1"));
    source->visit_changes([&](std::string_view k, const std::string_view* v) {
      restored.push_back({std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
    });
    source->discard_batch();
    source->wipe();
  }
  auto store = open();
  EXPECT_EQ(store->estimated_groups(), 0u) << "wiped";
  restored.push_back({"g\x1fr\x1fgone", std::nullopt});
  ASSERT_TRUE(store->restore(restored, "c/t/0", 7).ok());
  EXPECT_EQ(get_or(*store,
                   "g\x1fr\x1f"
                   "a"),
            "1");
  EXPECT_EQ(store->estimated_groups(), 1u);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("alert-1"));
  store->stage_alert(entry("alert-2"));  // numbered after the restored one
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("alert-1", "alert-2"));
  store->stage_remove_alert("alert-1");
  EXPECT_EQ(changes(*store).size(), 2u) << "the entry and its index";
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("alert-2"));
  std::string name;
  int64_t offset;
  ASSERT_TRUE(store->checkpoint(name, offset));
  EXPECT_EQ(offset, 7);
}

}  // namespace
}  // namespace klaxon
