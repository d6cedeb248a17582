// RulesWatcher, with inotify and with forced polling: each way rule files really get changed
// is reported exactly once, no sooner than the debounce after the last write; files that
// are not rule files are never reported.
#include "match/rules_watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "match/rule_file_edits.h"
#include "state/temp_dir.h"

namespace klaxon {

// Names the mode in failure messages instead of its bytes.
void PrintTo(WatchMode mode, std::ostream* os) { *os << to_string(mode); }

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto kDebounce = 150ms;
constexpr auto kPollInterval = 50ms;
// Long enough for any second (wrong) call to have come.
constexpr auto kSettle = 3 * kDebounce + 3 * kPollInterval;
constexpr auto kTimeout = 3s;

// Counts the watcher's calls and remembers when the last one came.
class Calls {
 public:
  std::function<void()> callback() {
    return [this] {
      std::lock_guard lock(mutex_);
      ++count_;
      last_ = Clock::now();
      changed_.notify_all();
    };
  }
  // Waits until there were `n` calls (or the timeout); returns the count.
  int wait_for(int n, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return count_ >= n; });
    return count_;
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }
  Clock::time_point last() {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
  Clock::time_point last_;
};

class WatcherTest : public ::testing::TestWithParam<WatchMode> {
 protected:
  void SetUp() override { test::write_in_place(rule_file(), "rules: []\n"); }

  fs::path dir() const { return tmp_.path(); }
  fs::path rule_file() const { return dir() / "pay.yaml"; }

  std::unique_ptr<RulesWatcher> watch(const fs::path& path) {
    WatchOptions o;
    o.mode = GetParam();
    o.debounce = kDebounce;
    o.poll_interval = kPollInterval;
    auto w = std::make_unique<RulesWatcher>(path.string(), o, calls_.callback());
    EXPECT_EQ(w->mode(), GetParam());
    return w;
  }

  // Exactly one call, and not before the files were quiet for the debounce.
  void expect_one_call_after(Clock::time_point last_change) {
    ASSERT_EQ(calls_.wait_for(1), 1) << "no call within " << kTimeout.count() << "ms";
    EXPECT_GE(calls_.last() - last_change, kDebounce - 20ms) << "called before the debounce";
    std::this_thread::sleep_for(kSettle);
    EXPECT_EQ(calls_.count(), 1) << "one change, several calls";
  }

  void expect_no_call() {
    std::this_thread::sleep_for(kSettle);
    EXPECT_EQ(calls_.count(), 0);
  }

  test::TempDir tmp_;
  Calls calls_;
};

TEST_P(WatcherTest, InPlaceWriteIsOneCall) {
  auto w = watch(dir());
  test::write_in_place(rule_file(), "rules: [] # edited\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, TempFileRenamedIntoPlaceIsOneCall) {
  auto w = watch(dir());
  test::write_and_rename(rule_file(), "rules: [] # renamed into place\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, NewRuleFileIsOneCall) {
  auto w = watch(dir());
  test::write_in_place(dir() / "checkout.yml", "rules: []\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, DeletedRuleFileIsOneCall) {
  test::write_in_place(dir() / "checkout.yaml", "rules: []\n");
  auto w = watch(dir());
  fs::remove(dir() / "checkout.yaml");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, BurstOfWritesIsOneCall) {
  auto w = watch(dir());
  auto last = Clock::now();
  for (int i = 0; i < 8; ++i) {  // 8 writes 40 ms apart: 320 ms in all, each gap < debounce
    test::write_in_place(rule_file(), "rules: [] # step " + std::to_string(i) + "\n");
    last = Clock::now();
    std::this_thread::sleep_for(40ms);
  }
  expect_one_call_after(last);
}

TEST_P(WatcherTest, FilesThatAreNotRulesDoNotCall) {
  auto w = watch(dir());
  test::write_in_place(dir() / ".pay.yaml.swp", "vim swap");
  test::write_in_place(dir() / "foo.txt", "notes");
  test::write_in_place(dir() / "pay.yaml~", "backup");
  test::write_in_place(dir() / ".hidden.yaml", "rules: []\n");
  fs::create_directory(dir() / "archive");
  test::write_in_place(dir() / "archive" / "old.yaml", "rules: []\n");
  expect_no_call();
}

TEST_P(WatcherTest, SingleFileRenamedIntoPlaceIsOneCall) {
  auto w = watch(rule_file());
  test::write_and_rename(rule_file(), "rules: [] # renamed into place\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, SingleFileIgnoresOtherRuleFilesBesideIt) {
  auto w = watch(rule_file());
  test::write_in_place(dir() / "other.yaml", "rules: []\n");
  test::write_and_rename(dir() / "third.yaml", "rules: []\n");
  expect_no_call();
}

TEST_P(WatcherTest, SingleFileSymlinkTargetEditedElsewhereIsOneCall) {
  test::TempDir elsewhere;
  fs::path target = fs::path(elsewhere.path()) / "shared.yaml";
  test::write_in_place(target, "rules: []\n");
  fs::path link = dir() / "linked.yaml";
  fs::create_symlink(target, link);
  auto w = watch(link);
  test::write_in_place(target, "rules: [] # edited through the link's target\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, ConfigMapUpdateIsOneCall) {
  fs::path volume = dir() / "volume";
  fs::create_directory(volume);
  test::ConfigMapDir configmap(volume, "pay.yaml", "rules: []\n");
  auto w = watch(volume);
  configmap.update("rules: [] # version 2\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, ConfigMapUpdateOfSingleFilePathIsOneCall) {
  fs::path volume = dir() / "volume";
  fs::create_directory(volume);
  test::ConfigMapDir configmap(volume, "pay.yaml", "rules: []\n");
  auto w = watch(configmap.file());
  configmap.update("rules: [] # version 2\n");
  expect_one_call_after(Clock::now());
}

TEST_P(WatcherTest, DirectoryReplacedIsSeenAndWatchedAgain) {
  fs::path rules = dir() / "rules";
  fs::create_directory(rules);
  test::write_in_place(rules / "pay.yaml", "rules: []\n");
  auto w = watch(rules);
  fs::remove_all(rules);
  fs::create_directory(rules);
  test::write_in_place(rules / "pay.yaml", "rules: [] # the new directory\n");
  ASSERT_GE(calls_.wait_for(1), 1);
  std::this_thread::sleep_for(kSettle);
  int before = calls_.count();
  test::write_in_place(rules / "pay.yaml", "rules: [] # edited in the new directory\n");
  EXPECT_EQ(calls_.wait_for(before + 1), before + 1) << "the new directory is not watched";
}

INSTANTIATE_TEST_SUITE_P(Modes, WatcherTest, ::testing::Values(WatchMode::inotify, WatchMode::poll),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(RulesWatcher, AutoModeUsesInotifyOnLinux) {
  test::TempDir tmp;
  RulesWatcher w(tmp.path(), {}, [] {});
  EXPECT_EQ(w.mode(), WatchMode::inotify);
}

TEST(RulesWatcher, StopsPromptlyWhateverItWaitsFor) {
  test::TempDir tmp;
  test::write_in_place(fs::path(tmp.path()) / "pay.yaml", "rules: []\n");
  for (WatchMode mode : {WatchMode::inotify, WatchMode::poll}) {
    WatchOptions o;
    o.mode = mode;
    o.debounce = 30s;
    o.poll_interval = 30s;
    auto w = std::make_unique<RulesWatcher>(tmp.path(), o, [] {});
    test::write_in_place(fs::path(tmp.path()) / "pay.yaml", "rules: [] # pending\n");
    std::this_thread::sleep_for(20ms);
    auto start = Clock::now();
    w.reset();
    EXPECT_LT(Clock::now() - start, 500ms) << to_string(mode);
  }
}

TEST(RulesWatcher, ParsesModeNames) {
  EXPECT_EQ(parse_watch_mode("auto"), WatchMode::automatic);
  EXPECT_EQ(parse_watch_mode("inotify"), WatchMode::inotify);
  EXPECT_EQ(parse_watch_mode("poll"), WatchMode::poll);
  EXPECT_EQ(parse_watch_mode("fanotify"), std::nullopt);
}

}  // namespace
}  // namespace klaxon
