// RulesReloader: edits of the rule files reach the consuming side as new matchers, bad edits
// never replace good rules and are reported once, identical content is no reload, and
// taking a new matcher never waits for a compile.
#include "match/rules_reloader.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <sstream>

#include "core/error.h"
#include "match/rule_file_edits.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto kDebounce = 50ms;
constexpr auto kTimeout = 5s;
// Long enough for a reload the test does not expect to have happened.
constexpr auto kSettle = 400ms;

const char* const kErrorRules = R"(rules:
  - name: errors
    message:
      match: ['\bERROR\b']
)";
const char* const kFatalRules = R"(rules:
  - name: fatals
    message:
      match: ['\bFATAL\b']
)";

Event event(std::string_view message) {
  Event e;
  e.message = message;
  e.type = "pay-biz";
  return e;
}

// Names of the rules the matcher matches for a message.
std::vector<std::string> matched(const Matcher& m, std::string_view message) {
  Matcher::Scratch scratch(m);
  std::vector<Match> out;
  m.match(event(message), scratch, out);
  std::vector<std::string> names;
  for (const auto& x : out) names.push_back(m.rules()[x.rule_index].name);
  return names;
}

using Names = std::vector<std::string>;

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = kTimeout) {
  auto until = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Keeps what is logged; text() may be read while the reloader's thread logs.
class CapturedLog : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    text_.append(line.data(), line.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

class ReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_logger_ = spdlog::default_logger();
    log_->set_pattern("%l: %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", log_));
    test::write_in_place(rule_file(), kErrorRules);
  }
  void TearDown() override { spdlog::set_default_logger(previous_logger_); }

  fs::path dir() const { return tmp_.path(); }
  fs::path rule_file() const { return dir() / "pay.yaml"; }

  std::unique_ptr<RulesReloader> start(const fs::path& path, bool watch = true) {
    ReloadOptions o;
    o.watch = watch;
    o.watcher.debounce = kDebounce;
    return std::make_unique<RulesReloader>(path.string(), o, probe_);
  }

  // The reloader's log so far.
  std::string log() const { return log_->text(); }
  // Log lines written at error level.
  int error_lines() const {
    std::istringstream in(log());
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.starts_with("error: ");
    return n;
  }
  double reloads(const prometheus::Counter& c) const { return c.Value(); }

  test::TempDir tmp_;
  prometheus::Registry registry_;
  RulesProbe probe_{registry_};
  std::shared_ptr<CapturedLog> log_ = std::make_shared<CapturedLog>();
  std::shared_ptr<spdlog::logger> previous_logger_;
};

TEST_F(ReloaderTest, StartsWithTheRulesOnDiskAsGenerationOne) {
  auto reloader = start(rule_file());
  uint64_t generation = 0;
  auto m = reloader->take_if_newer(generation);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(generation, 1u);
  EXPECT_EQ(matched(*m, "ERROR charge failed"), Names{"errors"});
  EXPECT_EQ(reloader->take_if_newer(generation), nullptr) << "nothing newer yet";
  EXPECT_EQ(probe_.generation.Value(), 1);
  EXPECT_EQ(probe_.last_reload_failed.Value(), 0);
  EXPECT_GT(probe_.last_success_timestamp.Value(), 1.7e9);
  EXPECT_EQ(probe_.compile_seconds.Collect().histogram.sample_count, 1u);
}

TEST_F(ReloaderTest, BadRulesAtStartThrow) {
  test::write_in_place(rule_file(), "rules:\n  - name: x\n    message: {matchh: [a]}\n");
  EXPECT_THROW(start(rule_file()), LoadError);
}

TEST_F(ReloaderTest, ValidEditPublishesMatcherThatMatchesDifferently) {
  auto reloader = start(rule_file());
  uint64_t generation = 0;
  auto before = reloader->take_if_newer(generation);
  test::write_and_rename(rule_file(), kFatalRules);

  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_ok) == 1; }));
  auto after = reloader->take_if_newer(generation);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(generation, 2u);
  EXPECT_EQ(matched(*after, "ERROR charge failed"), Names{});
  EXPECT_EQ(matched(*after, "FATAL out of memory"), Names{"fatals"});
  EXPECT_EQ(matched(*before, "ERROR charge failed"), Names{"errors"}) << "old matcher intact";
  EXPECT_EQ(probe_.generation.Value(), 2);
  EXPECT_EQ(probe_.last_reload_failed.Value(), 0);
  EXPECT_EQ(probe_.compile_seconds.Collect().histogram.sample_count, 2u);
  EXPECT_NE(log().find("rules: reloaded 1 rule from"), std::string::npos) << log();

  // Reading the files to reload them is not itself a change.
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(reloads(probe_.reload_unchanged), 0);
  EXPECT_EQ(reloader->generation(), 2u);
}

TEST_F(ReloaderTest, NewFileInDirectoryAddsItsRules) {
  auto reloader = start(dir());
  uint64_t generation = 1;
  test::write_in_place(dir() / "fatal.yml", kFatalRules);
  std::shared_ptr<const Matcher> m;
  ASSERT_TRUE(eventually([&] { return (m = reloader->take_if_newer(generation)) != nullptr; }));
  EXPECT_EQ(m->rules().size(), 2u);
  EXPECT_EQ(matched(*m, "FATAL and ERROR"), (Names{"fatals", "errors"})) << "files in name order";
}

struct BadEdit {
  const char* name;
  const char* text;
  const char* problem;  // what the log must name
};

class ReloaderBadEditTest : public ReloaderTest, public ::testing::WithParamInterface<BadEdit> {};

TEST_P(ReloaderBadEditTest, KeepsThePreviousRulesAndReportsEveryProblemOnce) {
  auto reloader = start(rule_file());
  uint64_t generation = 0;
  auto active = reloader->take_if_newer(generation);
  test::write_in_place(rule_file(), GetParam().text);

  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_error) == 1; }));
  EXPECT_EQ(probe_.last_reload_failed.Value(), 1);
  EXPECT_EQ(reloader->take_if_newer(generation), nullptr);
  EXPECT_EQ(reloader->current(), active);
  EXPECT_EQ(matched(*reloader->current(), "ERROR charge failed"), Names{"errors"});
  EXPECT_EQ(probe_.generation.Value(), 1);
  EXPECT_EQ(probe_.compile_seconds.Collect().histogram.sample_count, 2u) << "attempt timed";
  EXPECT_EQ(error_lines(), 1) << log();
  EXPECT_NE(log().find("the previous rules (generation 1) stay active"), std::string::npos)
      << log();
  EXPECT_NE(log().find(rule_file().string() + GetParam().problem), std::string::npos) << log();
}

INSTANTIATE_TEST_SUITE_P(
    Edits, ReloaderBadEditTest,
    ::testing::Values(
        BadEdit{"YamlSyntax", "rules:\n  - name: x\n    message: {match: [a\n", ":4"},
        BadEdit{"UnknownKey", "rules:\n  - name: x\n    message:\n      matchh: [a]\n",
                ":4:7: rules[0] (x).message.matchh: unknown key"},
        BadEdit{"BadRegex", "rules:\n  - name: x\n    message:\n      match: ['(a)\\1']\n", ":4"},
        BadEdit{"TwoProblems", "rules:\n  - name: x\n    severity: loud\n    realert: soon\n",
                ":4:14: rules[0] (x).realert"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ReloaderTest, BadEditLogsEveryProblem) {
  auto reloader = start(rule_file());
  test::write_in_place(rule_file(), "rules:\n  - name: x\n    severity: loud\n    realert: soon\n");
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_error) == 1; }));
  EXPECT_NE(log().find(rule_file().string() + ":3:15: rules[0] (x).severity"), std::string::npos)
      << log();
  EXPECT_NE(log().find(rule_file().string() + ":4:14: rules[0] (x).realert"), std::string::npos)
      << log();
}

TEST_F(ReloaderTest, LaterValidEditRecovers) {
  auto reloader = start(rule_file());
  test::write_in_place(rule_file(), "rules: [\n");
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_error) == 1; }));
  ASSERT_EQ(probe_.last_reload_failed.Value(), 1);
  test::write_and_rename(rule_file(), kFatalRules);
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_ok) == 1; }));
  EXPECT_EQ(probe_.last_reload_failed.Value(), 0);
  EXPECT_EQ(reloader->generation(), 2u);
  EXPECT_EQ(matched(*reloader->current(), "FATAL out of memory"), Names{"fatals"});
}

TEST_F(ReloaderTest, SameBrokenFilesAreNotReportedAgain) {
  auto reloader = start(rule_file());
  test::write_in_place(rule_file(), "rules: [\n");
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_error) == 1; }));
  test::write_in_place(rule_file(), "rules: [\n");  // saved again, unchanged
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_unchanged) == 1; }));
  EXPECT_EQ(reloads(probe_.reload_error), 1);
  EXPECT_EQ(probe_.last_reload_failed.Value(), 1) << "the files on disk are still broken";
  EXPECT_EQ(error_lines(), 1) << log();
}

TEST_F(ReloaderTest, RevertingABadEditClearsTheFailure) {
  auto reloader = start(rule_file());
  test::write_in_place(rule_file(), "rules: [\n");
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_error) == 1; }));
  test::write_in_place(rule_file(), kErrorRules);
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_unchanged) == 1; }));
  EXPECT_EQ(probe_.last_reload_failed.Value(), 0);
  EXPECT_EQ(reloader->generation(), 1u) << "the active rules were not compiled again";
}

TEST_F(ReloaderTest, IdenticalContentIsUnchanged) {
  auto reloader = start(dir());
  test::write_and_rename(rule_file(), kErrorRules);  // saved without an edit
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_unchanged) == 1; }));
  test::write_in_place(dir() / "notes.txt", "not a rule file");
  reloader->request_reload();
  ASSERT_TRUE(eventually([&] { return reloads(probe_.reload_unchanged) == 2; }));
  EXPECT_EQ(reloads(probe_.reload_ok), 0);
  EXPECT_EQ(reloads(probe_.reload_error), 0);
  EXPECT_EQ(reloader->generation(), 1u);
  EXPECT_EQ(probe_.compile_seconds.Collect().histogram.sample_count, 1u) << "nothing compiled";
}

TEST_F(ReloaderTest, WithoutWatchingOnlyRequestsReload) {
  auto reloader = start(rule_file(), /*watch=*/false);
  test::write_in_place(rule_file(), kFatalRules);
  std::this_thread::sleep_for(kSettle);
  EXPECT_EQ(reloader->generation(), 1u);
  reloader->request_reload();
  ASSERT_TRUE(eventually([&] { return reloader->generation() == 2; }));
}

// A rule set big enough that compiling it takes a while (each rule has two regexes): about
// 0.4 s on a busy 2-core machine, 3 s under AddressSanitizer; 2,000 such rules take 14 s.
constexpr int kGeneratedRules = 120;
std::string generated_rules(int count) {
  std::string s = "rules:\n";
  for (int i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    s += "  - name: generated-" + n + "\n    message:\n      match: ['\\bcode-" + n +
         "-[a-z]+ (failed|timed out) after \\d+ms']\n      exclude: ['retry-" + n + "-\\d{2,4}']\n";
  }
  return s;
}

TEST_F(ReloaderTest, TakingNeverWaitsForACompile) {
  auto reloader = start(rule_file(), /*watch=*/false);
  uint64_t generation = 0;
  reloader->take_if_newer(generation);
  test::write_in_place(rule_file(), generated_rules(kGeneratedRules));

  auto compile_start = Clock::now();
  reloader->request_reload();
  Clock::duration slowest{};
  int takes = 0;
  std::shared_ptr<const Matcher> taken;
  while (!taken && Clock::now() - compile_start < 60s) {
    // A batch's worth of pause between calls, as a consuming loop has: without it the
    // loop would only measure this thread being preempted on a busy machine.
    std::this_thread::sleep_for(1ms);
    auto t = Clock::now();
    taken = reloader->take_if_newer(generation);
    slowest = std::max(slowest, Clock::now() - t);
    ++takes;
  }
  auto compile_time = Clock::now() - compile_start;
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(taken->rules().size(), static_cast<size_t>(kGeneratedRules));
  ASSERT_GT(compile_time, 50ms) << "the compile was too quick to show anything";
  EXPECT_LT(slowest, 20ms) << "take_if_newer waited, over " << takes << " calls";
  std::cout << takes << " calls during a " << std::chrono::duration<double>(compile_time).count()
            << " s compile; the slowest took "
            << std::chrono::duration<double, std::micro>(slowest).count() << " us\n";
}

TEST_F(ReloaderTest, StopsPromptlyWhenIdle) {
  ReloadOptions o;
  o.watcher.mode = WatchMode::poll;
  o.watcher.poll_interval = 30s;
  auto reloader = std::make_unique<RulesReloader>(rule_file().string(), o, probe_);
  auto start = Clock::now();
  reloader.reset();
  EXPECT_LT(Clock::now() - start, 500ms);
}

TEST(ReloadOptions, FollowTheConfig) {
  RulesConfig c;
  c.reload = false;
  c.reload_debounce = 1s;
  c.reload_poll_interval = 5s;
  c.reload_mode = "poll";
  ReloadOptions o = reload_options(c);
  EXPECT_FALSE(o.watch);
  EXPECT_EQ(o.watcher.debounce, 1s);
  EXPECT_EQ(o.watcher.poll_interval, 5s);
  EXPECT_EQ(o.watcher.mode, WatchMode::poll);
  EXPECT_EQ(reload_options(RulesConfig{}).watcher.mode, WatchMode::automatic);
}

}  // namespace
}  // namespace klaxon
