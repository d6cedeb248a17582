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
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "state/codec.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr milliseconds kMinute{60'000};
constexpr int64_t kT0 = 1'764'000'000'000;  // a plausible event time

class StateStoreTest : public ::testing::Test {
 protected:
  StateOptions options(size_t max_ids = 10) const {
    StateOptions o;
    o.dir = dir_.path() + "/state";
    o.max_request_ids = max_ids;
    return o;
  }
  std::unique_ptr<StateStore> open(size_t max_ids = 10) {
    return std::make_unique<StateStore>(options(max_ids));
  }

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
  return OutboxEntry{id, "key-" + id, "{\"id\":\"" + id + "\"}"};
}

void commit_ok(StateStore& store) {
  rocksdb::Status s = store.commit_batch();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// --- dedup semantics -------------------------------------------------------------------

TEST_F(StateStoreTest, FirstMatchAlerts) {
  auto store = open();
  Observation o = store->observe("r", "k", kT0, kMinute, {"a", "b"});
  EXPECT_TRUE(o.alert);
  EXPECT_EQ(o.suppressed_before, 0u);
  EXPECT_EQ(o.state.count, 1u);
  EXPECT_EQ(o.state.suppressed, 0u);
  EXPECT_EQ(o.state.first_seen_ms, kT0);
  EXPECT_EQ(o.state.last_seen_ms, kT0);
  EXPECT_EQ(o.state.last_alert_ms, kT0);
  EXPECT_THAT(o.state.request_ids, ElementsAre("a", "b"));
}

TEST_F(StateStoreTest, RepeatsInsideWindowAreSuppressedThenNextAlertCarriesCount) {
  auto store = open();
  ASSERT_TRUE(store->observe("r", "k", kT0, kMinute, {}).alert);
  Observation o1 = store->observe("r", "k", kT0 + 1'000, kMinute, {});
  Observation o2 = store->observe("r", "k", kT0 + 59'999, kMinute, {});
  EXPECT_FALSE(o1.alert);
  EXPECT_FALSE(o2.alert);
  EXPECT_EQ(o1.state.suppressed, 1u);
  EXPECT_EQ(o2.state.suppressed, 2u);
  EXPECT_EQ(o2.state.count, 3u);
  EXPECT_EQ(o2.state.last_alert_ms, kT0);
  EXPECT_EQ(o2.state.last_seen_ms, kT0 + 59'999);
  commit_ok(*store);

  // Exactly `realert` after the last alert: alerts, carrying the two suppressed matches.
  Observation o3 = store->observe("r", "k", kT0 + 60'000, kMinute, {});
  EXPECT_TRUE(o3.alert);
  EXPECT_EQ(o3.suppressed_before, 2u);
  EXPECT_EQ(o3.state.suppressed, 0u);
  EXPECT_EQ(o3.state.count, 4u);
  EXPECT_EQ(o3.state.last_alert_ms, kT0 + 60'000);
  EXPECT_EQ(o3.state.first_seen_ms, kT0);

  // The window restarts from the new alert.
  Observation o4 = store->observe("r", "k", kT0 + 119'999, kMinute, {});
  EXPECT_FALSE(o4.alert);
  EXPECT_EQ(o4.state.suppressed, 1u);
  Observation o5 = store->observe("r", "k", kT0 + 500'000, kMinute, {});
  EXPECT_TRUE(o5.alert);
  EXPECT_EQ(o5.suppressed_before, 1u);
  EXPECT_EQ(o5.state.count, 6u);
}

TEST_F(StateStoreTest, WindowBoundaryIsInclusive) {
  auto store = open();
  store->observe("r", "k", kT0, milliseconds(10), {});
  EXPECT_FALSE(store->observe("r", "k", kT0 + 9, milliseconds(10), {}).alert);
  EXPECT_TRUE(store->observe("r", "k", kT0 + 10, milliseconds(10), {}).alert);
}

TEST_F(StateStoreTest, ZeroRealertAlertsOnEveryInOrderMatch) {
  auto store = open();
  for (int i = 0; i < 3; ++i) {
    Observation o = store->observe("r", "k", kT0 + i, milliseconds(0), {});
    EXPECT_TRUE(o.alert) << i;
    EXPECT_EQ(o.suppressed_before, 0u);
  }
  // Same event time as the last alert: still zero elapsed, so it alerts.
  EXPECT_TRUE(store->observe("r", "k", kT0 + 2, milliseconds(0), {}).alert);
}

TEST_F(StateStoreTest, LateEventsAreSuppressedAndWidenFirstSeen) {
  auto store = open();
  store->observe("r", "k", kT0, kMinute, {});
  // Far older than the last alert (more than a window before it): still suppressed.
  Observation late = store->observe("r", "k", kT0 - 10 * kMinute.count(), kMinute, {});
  EXPECT_FALSE(late.alert);
  EXPECT_EQ(late.state.suppressed, 1u);
  EXPECT_EQ(late.state.first_seen_ms, kT0 - 10 * kMinute.count());
  EXPECT_EQ(late.state.last_seen_ms, kT0);
  EXPECT_EQ(late.state.last_alert_ms, kT0);
  Observation next = store->observe("r", "k", kT0 + kMinute.count(), kMinute, {});
  EXPECT_TRUE(next.alert);
  EXPECT_EQ(next.suppressed_before, 1u);
  EXPECT_EQ(next.state.first_seen_ms, kT0 - 10 * kMinute.count());
}

TEST_F(StateStoreTest, RulesAndGroupsAreIndependent) {
  auto store = open();
  EXPECT_TRUE(store->observe("r1", "k1", kT0, kMinute, {}).alert);
  EXPECT_TRUE(store->observe("r1", "k2", kT0, kMinute, {}).alert);
  EXPECT_TRUE(store->observe("r2", "k1", kT0, kMinute, {}).alert);
  EXPECT_TRUE(store->observe("r1", "", kT0, kMinute, {}).alert);
  EXPECT_FALSE(store->observe("r1", "k1", kT0 + 1, kMinute, {}).alert);
  commit_ok(*store);
  GroupState g;
  ASSERT_TRUE(store->get_group("r1", "k1", g));
  EXPECT_EQ(g.count, 2u);
  ASSERT_TRUE(store->get_group("r2", "k1", g));
  EXPECT_EQ(g.count, 1u);
  ASSERT_TRUE(store->get_group("r1", "k2", g));
  EXPECT_EQ(g.count, 1u);
  EXPECT_FALSE(store->get_group("r3", "k1", g));
}

TEST_F(StateStoreTest, RequestIdsAreDistinctBoundedAndResetOnAlert) {
  auto store = open(/*max_ids=*/3);
  Observation first = store->observe("r", "k", kT0, kMinute, {"a", "a", "b"});
  EXPECT_THAT(first.state.request_ids, ElementsAre("a", "b"));
  EXPECT_THAT(first.alert_request_ids, ElementsAre("a", "b"));
  Observation s1 = store->observe("r", "k", kT0 + 1, kMinute, {"b", "c", "d"});
  EXPECT_THAT(s1.state.request_ids, ElementsAre("a", "b", "c"));  // earliest kept
  Observation s2 = store->observe("r", "k", kT0 + 2, kMinute, {"e"});
  EXPECT_THAT(s2.state.request_ids, ElementsAre("a", "b", "c"));
  EXPECT_THAT(s2.alert_request_ids, IsEmpty());  // not alerting
  // The next alert starts its group's list afresh, and carries its own ids first, then
  // those of the matches it suppressed (bounded).
  Observation again = store->observe("r", "k", kT0 + kMinute.count(), kMinute, {"z", "y"});
  EXPECT_TRUE(again.alert);
  EXPECT_THAT(again.state.request_ids, ElementsAre("z", "y"));
  EXPECT_THAT(again.alert_request_ids, ElementsAre("z", "y", "a"));
  Observation none = store->observe("r", "k", kT0 + 2 * kMinute.count(), kMinute, {});
  EXPECT_TRUE(none.alert);
  EXPECT_THAT(none.state.request_ids, IsEmpty());
  EXPECT_THAT(none.alert_request_ids, ElementsAre("z", "y"));
}

TEST_F(StateStoreTest, ZeroMaxRequestIdsKeepsNone) {
  auto store = open(/*max_ids=*/0);
  EXPECT_THAT(store->observe("r", "k", kT0, kMinute, {"a"}).state.request_ids, IsEmpty());
  EXPECT_THAT(store->observe("r", "k", kT0 + 1, kMinute, {"b"}).state.request_ids, IsEmpty());
}

// --- batches -------------------------------------------------------------------------------

TEST_F(StateStoreTest, ReadYourWritesBeforeCommit) {
  auto store = open();
  store->observe("r", "k", kT0, kMinute, {"a"});
  Observation o = store->observe("r", "k", kT0 + 5, kMinute, {"b"});
  EXPECT_FALSE(o.alert);
  EXPECT_EQ(o.state.count, 2u);
  GroupState g;
  EXPECT_FALSE(store->get_group("r", "k", g)) << "uncommitted state must not be visible";
  commit_ok(*store);
  ASSERT_TRUE(store->get_group("r", "k", g));
  EXPECT_EQ(g, o.state);
  // A later batch continues from the committed state.
  Observation o3 = store->observe("r", "k", kT0 + 6, kMinute, {});
  EXPECT_EQ(o3.state.count, 3u);
  EXPECT_EQ(o3.state.suppressed, 2u);
}

TEST_F(StateStoreTest, DiscardBatchLeavesNothing) {
  auto store = open();
  store->observe("r", "k", kT0, kMinute, {});
  store->stage_alert(entry("x"));
  store->stage_offset("s", 0, 41);
  store->discard_batch();
  commit_ok(*store);  // nothing left to write
  GroupState g;
  EXPECT_FALSE(store->get_group("r", "k", g));
  EXPECT_THAT(store->pending_alerts(), IsEmpty());
  EXPECT_EQ(store->applied_offset("s", 0), -1);
  EXPECT_EQ(store->estimated_groups(), 0u);
  // The discarded match is forgotten: the group starts over.
  Observation o = store->observe("r", "k", kT0 + 1, kMinute, {});
  EXPECT_TRUE(o.alert);
  EXPECT_EQ(o.state.count, 1u);
}

TEST_F(StateStoreTest, DiscardKeepsEarlierCommits) {
  auto store = open();
  store->observe("r", "k", kT0, kMinute, {});
  commit_ok(*store);
  store->observe("r", "k", kT0 + 1, kMinute, {});
  store->discard_batch();
  Observation o = store->observe("r", "k", kT0 + 2, kMinute, {});
  EXPECT_EQ(o.state.count, 2u);
  EXPECT_EQ(o.state.suppressed, 1u);
}

TEST_F(StateStoreTest, EmptyCommitIsOk) {
  auto store = open();
  commit_ok(*store);
  commit_ok(*store);
}

// --- durability and atomicity ----------------------------------------------------------

TEST_F(StateStoreTest, CommittedStateSurvivesReopenUncommittedDoesNot) {
  Observation committed;
  {
    auto store = open();
    store->observe("r", "k", kT0, kMinute, {"a"});
    committed = store->observe("r", "k", kT0 + 1, kMinute, {"b"});
    store->stage_alert(entry("one"));
    store->stage_offset("cluster/logs", 2, 100);
    commit_ok(*store);
    // Staged but never committed when the store goes away.
    store->observe("r", "k", kT0 + 2, kMinute, {"c"});
    store->observe("r", "other", kT0, kMinute, {});
    store->stage_alert(entry("two"));
    store->stage_offset("cluster/logs", 2, 200);
  }
  auto store = open();
  GroupState g;
  ASSERT_TRUE(store->get_group("r", "k", g));
  EXPECT_EQ(g, committed.state);
  EXPECT_FALSE(store->get_group("r", "other", g));
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
  store.observe("r", "k", kT0, kMinute, {"a"});
  store.stage_alert(entry("x"));
  store.stage_offset("s", 0, 9);
  if (!store.commit_batch().ok()) std::_Exit(2);
  store.observe("r", "uncommitted", kT0, kMinute, {});
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
    GroupState g;
    ASSERT_TRUE(store.get_group("r", "k", g)) << "sync=" << sync;
    EXPECT_THAT(g.request_ids, ElementsAre("a"));
    EXPECT_FALSE(store.get_group("r", "uncommitted", g));
    EXPECT_THAT(ids_of(store.pending_alerts()), ElementsAre("x"));
    EXPECT_EQ(store.applied_offset("s", 0), 9);
  }
}

TEST_F(StateStoreTest, UnsyncedCommitsSurviveReopen) {
  StateOptions o = options();
  o.sync = false;
  {
    StateStore store(o);
    store.observe("r", "k", kT0, kMinute, {});
    store.stage_offset("s", 0, 7);
    commit_ok(store);
  }
  StateStore store(o);
  GroupState g;
  EXPECT_TRUE(store.get_group("r", "k", g));
  EXPECT_EQ(store.applied_offset("s", 0), 7);
}

TEST_F(StateStoreTest, BatchIsAllOrNothingAcrossReopen) {
  {
    auto store = open();
    store->observe("r", "committed", kT0, kMinute, {});
    store->stage_alert(entry("committed"));
    store->stage_offset("s", 0, 10);
    commit_ok(*store);

    store->observe("r", "discarded", kT0, kMinute, {});
    store->observe("r", "committed", kT0 + 1, kMinute, {});
    store->stage_alert(entry("discarded"));
    store->stage_offset("s", 0, 20);
    store->stage_offset("s", 1, 5);
    store->discard_batch();
  }
  auto store = open();
  GroupState g;
  ASSERT_TRUE(store->get_group("r", "committed", g));
  EXPECT_EQ(g.count, 1u);
  EXPECT_FALSE(store->get_group("r", "discarded", g));
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

  ASSERT_TRUE(store->remove_alert("alpha").ok());
  ASSERT_TRUE(store->remove_alert("alpha").ok()) << "removing twice is fine";
  ASSERT_TRUE(store->remove_alert("never-staged").ok());
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("zeta", "mu", "beta"));

  store->stage_alert(entry("new"));
  commit_ok(*store);
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("zeta", "mu", "beta", "new"));
}

TEST_F(StateStoreTest, NewAlertsAfterReopenComeAfterOldOnes) {
  {
    auto store = open();
    for (int i = 0; i < 300; ++i) store->stage_alert(entry("old" + std::to_string(i)));
    commit_ok(*store);
    // Remove some from the front and the newest: the order of the rest must not change.
    ASSERT_TRUE(store->remove_alert("old0").ok());
    ASSERT_TRUE(store->remove_alert("old299").ok());
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
    ASSERT_TRUE(store->remove_alert("a").ok());
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
  ASSERT_TRUE(store->remove_alert("a").ok());
  EXPECT_THAT(ids_of(store->pending_alerts()), ElementsAre("b"));
}

TEST_F(StateStoreTest, RemoveDeletesEntryAndIndexTogether) {
  {
    auto store = open();
    store->stage_alert(entry("keep"));
    store->stage_alert(entry("drop"));
    commit_ok(*store);
    ASSERT_TRUE(store->remove_alert("drop").ok());
  }
  EXPECT_EQ(raw_keys_with_prefix(state_codec::kOutboxPrefix).size(), 1u);
  EXPECT_THAT(raw_keys_with_prefix(state_codec::kAlertIndexPrefix),
              ElementsAre(state_codec::alert_index_key("keep")));
}

TEST_F(StateStoreTest, OutboxIsUsableFromAnotherThreadDuringCommits) {
  StateOptions o = options();
  o.sync = false;
  constexpr int kBatches = 300;
  {
    StateStore store(o);
    std::atomic<bool> done{false};
    std::atomic<int> removed{0};
    std::thread publisher([&] {
      for (;;) {
        bool last_round = done.load();
        for (const auto& e : store.pending_alerts()) {
          ASSERT_TRUE(store.remove_alert(e.alert_id).ok());
          ++removed;
        }
        if (last_round) return;
      }
    });
    for (int i = 0; i < kBatches; ++i) {
      store.observe("r", "k" + std::to_string(i % 7), kT0 + i, milliseconds(0), {});
      store.stage_alert(entry("id" + std::to_string(i)));
      store.stage_offset("s", 0, i);
      commit_ok(store);
    }
    done = true;
    publisher.join();
    EXPECT_THAT(store.pending_alerts(), IsEmpty());
    EXPECT_EQ(removed.load(), kBatches);
    EXPECT_EQ(store.applied_offset("s", 0), kBatches - 1);
  }
  EXPECT_THAT(raw_keys_with_prefix(state_codec::kOutboxPrefix), IsEmpty());
  EXPECT_THAT(raw_keys_with_prefix(state_codec::kAlertIndexPrefix), IsEmpty());
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
  store.observe("r", "k", kT0, kMinute, {});
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

TEST_F(StateStoreTest, CorruptGroupValueStartsAFreshGroup) {
  {
    auto store = open();
    store->observe("r", "garbage", kT0, kMinute, {});
    store->observe("r", "truncated", kT0, kMinute, {"a", "b"});
    store->observe("r", "fine", kT0, kMinute, {});
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 3u);
  }
  {
    auto db = raw_db();
    std::string key = state_codec::group_key("r", "truncated");
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value.substr(0, value.size() - 1)).ok());
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), state_codec::group_key("r", "garbage"), "\xff\x00garbage")
            .ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = open();
  GroupState g;
  EXPECT_FALSE(store->get_group("r", "garbage", g));
  EXPECT_FALSE(store->get_group("r", "truncated", g));
  EXPECT_TRUE(store->get_group("r", "fine", g));
  for (const char* key : {"garbage", "truncated"}) {
    Observation o = store->observe("r", key, kT0 + 1, kMinute, {"c"});
    EXPECT_TRUE(o.alert) << key;
    EXPECT_EQ(o.state.count, 1u) << key;
    EXPECT_EQ(o.state.first_seen_ms, kT0 + 1) << key;
    EXPECT_THAT(o.state.request_ids, ElementsAre("c")) << key;
  }
  EXPECT_FALSE(store->observe("r", "fine", kT0 + 1, kMinute, {}).alert);
  commit_ok(*store);
  ASSERT_TRUE(store->get_group("r", "garbage", g)) << "the fresh state replaces the bad value";
  EXPECT_EQ(g.count, 1u);
  EXPECT_EQ(store->estimated_groups(), 3u) << "rewritten groups are not new groups";
}

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
    store->observe("r", "a", kT0, kMinute, {});
    store->observe("r", "a", kT0 + 1, kMinute, {});
    store->observe("r", "b", kT0, kMinute, {});
    EXPECT_EQ(store->estimated_groups(), 0u) << "uncommitted groups are not counted";
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 2u);
    store->observe("r", "a", kT0 + 2, kMinute, {});
    store->observe("q", "a", kT0, kMinute, {});
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 3u);
    store->observe("r", "discarded", kT0, kMinute, {});
    store->discard_batch();
    commit_ok(*store);
    EXPECT_EQ(store->estimated_groups(), 3u);
  }
  auto store = open();
  EXPECT_EQ(store->estimated_groups(), 3u);
}

TEST_F(StateStoreTest, EstimatedGroupsRecountsWhenItsKeyIsMissing) {
  {
    auto store = open();
    for (int i = 0; i < 5; ++i) store->observe("r", std::to_string(i), kT0, kMinute, {});
    commit_ok(*store);
  }
  {
    auto db = raw_db();
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), state_codec::kGroupCountKey).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = open();
  EXPECT_EQ(store->estimated_groups(), 5u);
  store->observe("r", "new", kT0, kMinute, {});
  commit_ok(*store);
  EXPECT_EQ(store->estimated_groups(), 6u);
}

}  // namespace
}  // namespace klaxon
