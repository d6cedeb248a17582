// The Evaluator against a real state store: state across batches and restarts, timers,
// forgetting, and what a reload keeps.
#include "alert/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "state/codec.h"
#include "state/temp_dir.h"

namespace klaxon {
namespace {

using std::chrono::milliseconds;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int64_t kT0 = 1'764'000'000'000;
constexpr int64_t kMin = 60'000;

struct Fired {
  std::string rule, group;
  Firing firing;
};

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    evaluator_.reset();
    store_.reset();
    StateOptions o;
    o.dir = dir_.path() + "/state";
    o.sync = false;
    store_ = std::make_unique<StateStore>(o);
    evaluator_ = std::make_unique<Evaluator>(*store_, LogicOptions{});
    evaluator_->use_rules(&active_);
  }

  Rule& add_rule(const std::string& name, RuleType type) {
    rules_.push_back(std::make_unique<Rule>());
    Rule& r = *rules_.back();
    r.name = name;
    r.type = type;
    r.realert = milliseconds(5 * kMin);
    r.timeframe = milliseconds(5 * kMin);
    r.threshold = 1;
    r.num_events = 2;
    index();
    return r;
  }
  void index() {
    active_.clear();
    for (auto& r : rules_) active_[r->state_id()] = r.get();
    evaluator_->use_rules(&active_);
  }

  std::vector<Firing> match(const Rule& r, const std::string& group, int64_t t) {
    std::vector<Firing> fired;
    evaluator_->on_match(r, r.state_id(), group, t, {}, fired);
    return fired;
  }
  std::vector<Fired> advance(int64_t now, size_t max_timers = 10'000) {
    std::vector<Fired> out;
    evaluator_->advance(
        now,
        [&](const Rule& r, std::string_view g, const Firing& f) {
          out.push_back(Fired{r.name, std::string(g), f});
        },
        max_timers);
    return out;
  }
  void commit() {
    evaluator_->flush();
    ASSERT_TRUE(store_->commit_batch().ok());
  }
  size_t timers() {
    size_t n = 0;
    store_->scan(state_codec::kTimerPrefix, "t\x20", [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
    return n;
  }

  test::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Evaluator> evaluator_;
  std::vector<std::unique_ptr<Rule>> rules_;
  RulesByStateId active_;
};

TEST_F(EvaluatorTest, DedupStateSurvivesBatchesAndARestart) {
  const Rule& r = add_rule("errors", RuleType::any);
  EXPECT_THAT(match(r, "k", kT0), SizeIs(1));
  EXPECT_THAT(match(r, "k", kT0 + 1), IsEmpty()) << "same batch";
  commit();
  EXPECT_THAT(match(r, "k", kT0 + 2), IsEmpty()) << "next batch";
  commit();
  reopen();
  EXPECT_THAT(match(r, "k", kT0 + 3), IsEmpty()) << "after a restart";
  auto fired = match(r, "k", kT0 + 5 * kMin);
  ASSERT_THAT(fired, SizeIs(1));
  EXPECT_EQ(fired[0].suppressed, 3u);
  EXPECT_EQ(fired[0].first_seen_ms, kT0);
  EXPECT_EQ(fired[0].last_seen_ms, kT0 + 5 * kMin);
  EXPECT_EQ(store_->estimated_groups(), 1u);
}

TEST_F(EvaluatorTest, DiscardForgetsTheBatch) {
  const Rule& r = add_rule("errors", RuleType::any);
  match(r, "k", kT0);
  evaluator_->flush();
  store_->discard_batch();
  EXPECT_THAT(match(r, "k", kT0 + 1), SizeIs(1)) << "the discarded first match never happened";
}

TEST_F(EvaluatorTest, FlatlineOfARuleFiresByTimeAloneOncePerOutage) {
  Rule& r = add_rule("pay-success-stopped", RuleType::flatline);
  r.realert = milliseconds(0);
  EXPECT_THAT(advance(kT0), IsEmpty()) << "activated: watched from now on";
  commit();
  EXPECT_EQ(store_->estimated_groups(), 1u);
  EXPECT_THAT(advance(kT0 + 5 * kMin - 1), IsEmpty());
  auto fired = advance(kT0 + 5 * kMin);
  ASSERT_THAT(fired, SizeIs(1));
  EXPECT_EQ(fired[0].rule, "pay-success-stopped");
  EXPECT_EQ(fired[0].group, "pay-success-stopped");
  EXPECT_EQ(fired[0].firing.window_start_ms, kT0);
  EXPECT_EQ(fired[0].firing.condition,
            "0 matches in the last 5m (threshold 1); last match never seen");
  commit();
  EXPECT_THAT(advance(kT0 + 60 * kMin), IsEmpty()) << "the same outage: no repeat (realert 0)";
  match(r, "pay-success-stopped", kT0 + 61 * kMin);  // traffic is back
  commit();
  EXPECT_THAT(advance(kT0 + 66 * kMin), SizeIs(1)) << "and stops again";
}

TEST_F(EvaluatorTest, TimersSurviveARestart) {
  const Rule& r = add_rule("host-silent", RuleType::flatline);
  rules_.back()->group_by = GroupBy::field;
  index();
  match(r, "pay-app-01", kT0);
  match(r, "pay-app-02", kT0 + kMin);
  commit();
  reopen();
  auto fired = advance(kT0 + 5 * kMin);
  ASSERT_THAT(fired, SizeIs(1));
  EXPECT_EQ(fired[0].group, "pay-app-01");
  commit();
  EXPECT_THAT(advance(kT0 + 6 * kMin), SizeIs(1));
}

TEST_F(EvaluatorTest, TimersRunAtTheirDueTimeHoweverLateTimeAdvances) {
  Rule& r = add_rule("host-silent", RuleType::flatline);
  r.group_by = GroupBy::field;
  r.realert = milliseconds(20 * kMin);
  index();
  match(r, "pay-app-01", kT0);
  commit();
  // Time jumps an hour at once (a backlog, a backtest): the outage began at +5m, and the
  // reminders fell due at +25m and +45m.
  auto fired = advance(kT0 + 60 * kMin);
  ASSERT_THAT(fired, SizeIs(3));
  EXPECT_EQ(fired[0].firing.at_ms, kT0 + 5 * kMin);
  EXPECT_EQ(fired[1].firing.at_ms, kT0 + 25 * kMin);
  EXPECT_EQ(fired[2].firing.at_ms, kT0 + 45 * kMin);
}

TEST_F(EvaluatorTest, ExpiredGroupsAndTheirTimersAreDeleted) {
  const Rule& r = add_rule("errors", RuleType::any);
  for (int i = 0; i < 50; ++i) match(r, "k" + std::to_string(i), kT0 + i);
  commit();
  EXPECT_EQ(store_->estimated_groups(), 50u);
  EXPECT_EQ(timers(), 50u);
  advance(kT0 + kIdleRetentionMs + 24);  // the first 25 are a day old
  commit();
  EXPECT_EQ(store_->estimated_groups(), 25u);
  EXPECT_EQ(timers(), 25u);
  auto forgotten = match(r, "k0", kT0 + kIdleRetentionMs + 25);
  ASSERT_THAT(forgotten, SizeIs(1));
  EXPECT_EQ(forgotten[0].count, 1u) << "forgotten: a new group";
  auto known = match(r, "k49", kT0 + kIdleRetentionMs + 25);
  ASSERT_THAT(known, SizeIs(1));
  EXPECT_EQ(known[0].count, 2u) << "still known";
}

TEST_F(EvaluatorTest, ATimerCallHandlesAtMostItsLimitTheRestLater) {
  const Rule& r = add_rule("errors", RuleType::any);
  for (int i = 0; i < 10; ++i) match(r, "k" + std::to_string(i), kT0);
  commit();
  advance(kT0 + kIdleRetentionMs, 4);
  commit();
  EXPECT_EQ(store_->estimated_groups(), 6u);
  advance(kT0 + kIdleRetentionMs, 100);
  commit();
  EXPECT_EQ(store_->estimated_groups(), 0u);
}

TEST_F(EvaluatorTest, ReloadKeepsStateOfRulesWithTheSameIdentityOnly) {
  Rule& tuned = add_rule("tuned", RuleType::any);
  Rule& retyped = add_rule("retyped", RuleType::any);
  Rule& removed = add_rule("removed", RuleType::any);
  match(tuned, "k", kT0);
  match(retyped, "k", kT0);
  match(removed, "k", kT0);
  commit();
  // The reload: `tuned` gets other patterns and severity (same identity), `retyped` becomes a
  // frequency rule (new identity: its state starts over), `removed` is gone.
  tuned.severity = "critical";
  tuned.match.push_back(Pattern{"timeout", false, false, 0, 0});
  retyped.type = RuleType::frequency;
  Rule* keep_removed = rules_.back().release();
  rules_.pop_back();
  index();
  EXPECT_THAT(match(tuned, "k", kT0 + 1), IsEmpty()) << "still deduplicated";
  EXPECT_THAT(match(retyped, "k", kT0 + 1), IsEmpty()) << "1 of num_events 2";
  EXPECT_THAT(match(retyped, "k", kT0 + 2), SizeIs(1)) << "counted from zero";
  commit();
  EXPECT_EQ(store_->estimated_groups(), 4u);
  // The old identities' groups are deleted when their timers fire.
  advance(kT0 + kIdleRetentionMs);
  commit();
  EXPECT_EQ(store_->estimated_groups(), 2u) << "tuned and the new frequency group";
  delete keep_removed;
}

TEST_F(EvaluatorTest, AnUnreadableGroupStartsOver) {
  const Rule& r = add_rule("errors", RuleType::any);
  match(r, "k", kT0);
  commit();
  store_->put(state_codec::group_key(r.state_id(), "k"), "\x02garbage");
  ASSERT_TRUE(store_->commit_batch().ok());
  auto fired = match(r, "k", kT0 + 1);
  ASSERT_THAT(fired, SizeIs(1)) << "treated as a new group";
  EXPECT_EQ(fired[0].count, 1u);
  commit();
  EXPECT_EQ(store_->estimated_groups(), 1u) << "rewritten, not a new group";
}

}  // namespace
}  // namespace klaxon
