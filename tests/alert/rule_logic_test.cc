// Each rule type's decisions, driven by a manual clock (event time in ms).
#include "alert/rule_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>

namespace klaxon {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kT0 = 1'764'000'000'000;  // a plausible event time, on a 10-minute boundary
constexpr int64_t kSec = 1000, kMin = 60 * kSec;

// One group of one rule, with the calls the Evaluator would make.
struct Group {
  Rule rule;
  GroupState state;
  bool fresh = true;
  LogicOptions options;

  std::vector<Firing> match(int64_t t, std::vector<std::string> ids = {}) {
    std::vector<Firing> fired;
    logic_for(rule.type).on_match(rule, state, fresh, t, ids, options, fired);
    fresh = false;
    return fired;
  }
  std::vector<Firing> time(int64_t now) {
    std::vector<Firing> fired;
    logic_for(rule.type).on_time(rule, state, now, options, fired);
    return fired;
  }
  int64_t due() const { return logic_for(rule.type).next_due(rule, state, options); }
  bool expired(int64_t now) const {
    return logic_for(rule.type).expired(rule, state, now, options);
  }
};

Group any_group(milliseconds realert = milliseconds(kMin)) {
  Group g;
  g.rule.type = RuleType::any;
  g.rule.realert = realert;
  return g;
}

// --- any -------------------------------------------------------------------------------

TEST(AnyRule, FirstMatchAlerts) {
  Group g = any_group();
  auto fired = g.match(kT0, {"a", "b"});
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 1u);
  EXPECT_EQ(fired[0].suppressed, 0u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_TRUE(fired[0].by_match);
  EXPECT_THAT(fired[0].request_ids, ElementsAre("a", "b"));
  EXPECT_EQ(g.state.last_alert_ms, kT0);
}

TEST(AnyRule, RepeatsInsideWindowAreSuppressedThenNextAlertCarriesCount) {
  Group g = any_group();
  g.match(kT0);
  EXPECT_THAT(g.match(kT0 + 1'000), IsEmpty());
  EXPECT_THAT(g.match(kT0 + 59'999), IsEmpty());
  EXPECT_EQ(g.state.suppressed, 2u);
  EXPECT_EQ(g.state.count, 3u);
  // Exactly `realert` after the last alert: alerts, carrying the two suppressed matches.
  auto fired = g.match(kT0 + 60'000);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].suppressed, 2u);
  EXPECT_EQ(fired[0].count, 4u);
  EXPECT_EQ(fired[0].window_start_ms, kT0 + 60'000);
  EXPECT_EQ(g.state.suppressed, 0u);
  // The window restarts from the new alert.
  EXPECT_THAT(g.match(kT0 + 119'999), IsEmpty());
  fired = g.match(kT0 + 500'000);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].suppressed, 1u);
}

TEST(AnyRule, ZeroRealertAlertsOnEveryInOrderMatch) {
  Group g = any_group(milliseconds(0));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(g.match(kT0 + i).size(), 1u) << i;
  EXPECT_EQ(g.match(kT0 + 2).size(), 1u) << "same time as the last alert: zero elapsed";
  // Never quiet means never: a match older than the last alert (out-of-order partitions)
  // alerts too, rather than being folded into the next alert's suppressed count.
  EXPECT_EQ(g.match(kT0 - kMin).size(), 1u);
  EXPECT_EQ(g.state.suppressed, 0u);
}

// The check every match-driven type (any, frequency, spike) makes.
TEST(RuleLogic, RealertZeroNeverHoldsBack) {
  EXPECT_TRUE(logic::realert_allows(kT0 - kMin, kT0, 0));
  EXPECT_FALSE(logic::realert_allows(kT0 - kMin, kT0, kMin));
  EXPECT_TRUE(logic::realert_allows(kT0, 0, kMin)) << "never alerted";
}

TEST(AnyRule, LateEventsWithinRealertOfAnAlertAreSuppressedAndWidenFirstSeen) {
  Group g = any_group(milliseconds(10 * kMin));
  g.match(kT0);
  EXPECT_THAT(g.match(kT0 - 9 * kMin), IsEmpty()) << "would have alerted, and held this back";
  EXPECT_EQ(g.state.first_seen_ms, kT0 - 9 * kMin);
  EXPECT_EQ(g.state.last_seen_ms, kT0);
  EXPECT_EQ(g.state.suppressed, 1u);
  ASSERT_EQ(g.match(kT0 + 10 * kMin).size(), 1u);
}

// Input partitions are read side by side: one that is behind (a backlog, a shipper
// catching up) brings a group's matches of two hours ago after its alert of now. They are
// an incident of their own: alerted once, and not again by their own repeats. Found with
// produce errors on the internal topics' broker: 4 of 47 incidents were never alerted.
TEST(AnyRule, ALateMatchOutsideEveryAlertsWindowIsAnIncidentOfItsOwn) {
  Group g = any_group(milliseconds(5 * kMin));
  const int64_t two_hours = 120 * kMin;
  ASSERT_EQ(g.match(kT0 + two_hours).size(), 1u);  // the newer incident, read first
  auto fired = g.match(kT0, {"r1"});
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_EQ(fired[0].suppressed, 0u);
  EXPECT_THAT(fired[0].request_ids, ElementsAre("r1"));
  EXPECT_EQ(g.state.last_alert_ms, kT0 + two_hours) << "the latest alert stays the latest";
  EXPECT_THAT(g.match(kT0 + kMin), IsEmpty()) << "a repeat of the late incident";
  EXPECT_THAT(g.match(kT0 - kMin), IsEmpty()) << "and one just before it";
  EXPECT_THAT(g.match(kT0 + two_hours + kMin), IsEmpty()) << "a repeat of the newer one";
  // Read in order the same matches alert the same incidents: one each.
  Group in_order = any_group(milliseconds(5 * kMin));
  int alerts = 0;
  for (int64_t t : {kT0 - kMin, kT0, kT0 + kMin, kT0 + two_hours, kT0 + two_hours + kMin})
    alerts += static_cast<int>(in_order.match(t).size());
  EXPECT_EQ(alerts, 2);
  // Earlier alerts are remembered after newer ones too.
  ASSERT_EQ(g.match(kT0 + 3 * two_hours).size(), 1u);
  EXPECT_THAT(g.match(kT0 + 2 * kMin), IsEmpty());
  EXPECT_THAT(g.match(kT0 + two_hours + 2 * kMin), IsEmpty());
  EXPECT_EQ(g.match(kT0 + 2 * two_hours).size(), 1u) << "a third incident, late";
}

TEST(AnyRule, EarlierAlertsKeptAreBounded) {
  Group g = any_group(milliseconds(kMin));
  for (int i = 0; i < 40; ++i) ASSERT_EQ(g.match(kT0 + i * 10 * kMin).size(), 1u) << i;
  EXPECT_EQ(g.state.times.size(), 16u);
  EXPECT_EQ(g.state.times.front(), kT0 + 23 * 10 * kMin);
  // A late burst older than every alert kept: one alert, its repeats held back.
  EXPECT_EQ(g.match(kT0 - 60 * kMin).size(), 1u);
  for (int i = 1; i < 20; ++i) EXPECT_THAT(g.match(kT0 - 60 * kMin + i * kSec), IsEmpty()) << i;
  EXPECT_EQ(g.state.times.size(), 16u);
  EXPECT_EQ(g.state.times.front(), kT0 - 60 * kMin);
}

TEST(AnyRule, RequestIdsAreDistinctBoundedAndCarriedByTheNextAlert) {
  Group g = any_group();
  g.options.max_request_ids = 3;
  EXPECT_THAT(g.match(kT0, {"a", "a", "b"})[0].request_ids, ElementsAre("a", "b"));
  g.match(kT0 + 1, {"b", "c", "d"});
  g.match(kT0 + 2, {"e"});
  EXPECT_THAT(g.state.request_ids, ElementsAre("a", "b", "c"));  // earliest kept
  // The next alert carries its own ids first, then those of the matches it suppressed.
  auto fired = g.match(kT0 + kMin, {"z", "y"});
  EXPECT_THAT(fired[0].request_ids, ElementsAre("z", "y", "a"));
  EXPECT_THAT(g.state.request_ids, ElementsAre("z", "y"));
}

TEST(AnyRule, QuietGroupsAreForgottenAfterADayOrTheirRealert) {
  Group g = any_group();
  g.match(kT0);
  EXPECT_FALSE(g.expired(kT0 + kIdleRetentionMs - 1));
  EXPECT_TRUE(g.expired(kT0 + kIdleRetentionMs));
  Group slow = any_group(milliseconds(3 * kIdleRetentionMs));
  slow.match(kT0);
  EXPECT_FALSE(slow.expired(kT0 + kIdleRetentionMs));
  EXPECT_EQ(slow.due(), kT0 + 3 * kIdleRetentionMs);
}

// --- frequency -------------------------------------------------------------------------

Group frequency_group(int64_t num_events, int64_t timeframe, int64_t realert = 0) {
  Group g;
  g.rule.type = RuleType::frequency;
  g.rule.num_events = num_events;
  g.rule.timeframe = milliseconds(timeframe);
  g.rule.realert = milliseconds(realert);
  return g;
}

TEST(FrequencyRule, FiresWhenNumEventsFallWithinTimeframe) {
  Group g = frequency_group(3, 5 * kMin);
  EXPECT_THAT(g.match(kT0, {"r1"}), IsEmpty());
  EXPECT_THAT(g.match(kT0 + 2 * kMin, {"r2"}), IsEmpty());
  auto fired = g.match(kT0 + 4 * kMin, {"r3"});
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 3u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_EQ(fired[0].window_end_ms, kT0 + 4 * kMin);
  EXPECT_THAT(fired[0].request_ids, ElementsAre("r1", "r2", "r3"));
  EXPECT_EQ(fired[0].condition, "3 matches within 4m (num_events 3 within 5m)");
}

TEST(FrequencyRule, SpreadOutMatchesDoNotFire) {
  Group g = frequency_group(3, 5 * kMin);
  // Every match is 3 minutes after the one before: never three within 5 minutes.
  for (int i = 0; i < 10; ++i) EXPECT_THAT(g.match(kT0 + i * 3 * kMin), IsEmpty()) << i;
  // Exactly the timeframe apart does not count as within it (ElastAlert's window).
  Group edge = frequency_group(2, 5 * kMin);
  edge.match(kT0);
  EXPECT_THAT(edge.match(kT0 + 5 * kMin), IsEmpty());
  EXPECT_EQ(edge.match(kT0 + 5 * kMin + 1).size(), 1u);
}

TEST(FrequencyRule, FiringEmptiesTheWindowSoTheNextAlertNeedsNewMatches) {
  Group g = frequency_group(2, 10 * kMin);
  g.match(kT0);
  ASSERT_EQ(g.match(kT0 + kSec).size(), 1u);
  EXPECT_THAT(g.match(kT0 + 2 * kSec), IsEmpty());
  EXPECT_EQ(g.match(kT0 + 3 * kSec).size(), 1u);
}

TEST(FrequencyRule, RealertHoldsBackFiringsAndCountsThem) {
  Group g = frequency_group(2, 10 * kMin, 5 * kMin);
  g.match(kT0);
  ASSERT_EQ(g.match(kT0 + kSec).size(), 1u);
  g.match(kT0 + 2 * kSec);
  EXPECT_THAT(g.match(kT0 + 3 * kSec), IsEmpty()) << "threshold reached again inside realert";
  EXPECT_EQ(g.state.suppressed, 1u);
  g.match(kT0 + 5 * kMin);
  auto fired = g.match(kT0 + 5 * kMin + kSec);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].suppressed, 1u);
}

TEST(FrequencyRule, LateMatchesCountWhenInsideTheWindow) {
  Group g = frequency_group(3, 5 * kMin);
  g.match(kT0 + 6 * kMin);
  g.match(kT0 + 10 * kMin);
  EXPECT_THAT(g.match(kT0), IsEmpty()) << "10 minutes before the newest: outside every window";
  EXPECT_EQ(g.match(kT0 + 7 * kMin).size(), 1u) << "late, but within 5m of the newest";
}

TEST(FrequencyRule, KeepsAtMostNumEventsTimes) {
  Group g = frequency_group(1000, 60 * kMin);
  for (int i = 0; i < 999; ++i) g.match(kT0 + i);
  EXPECT_EQ(g.state.times.size(), 999u);
  g.match(kT0 + 999);
  EXPECT_THAT(g.state.times, IsEmpty());
}

// --- flatline --------------------------------------------------------------------------

Group flatline_group(int64_t threshold, int64_t timeframe, int64_t realert = 0) {
  Group g;
  g.rule.type = RuleType::flatline;
  g.rule.threshold = threshold;
  g.rule.timeframe = milliseconds(timeframe);
  g.rule.realert = milliseconds(realert);
  g.rule.group_by = GroupBy::field;
  return g;
}

TEST(FlatlineRule, FiresWhenTrafficStopsAndNotBefore) {
  Group g = flatline_group(1, 5 * kMin);
  for (int i = 0; i <= 10; ++i) g.match(kT0 + i * kMin);  // one a minute until +10m
  EXPECT_EQ(g.due(), kT0 + 15 * kMin) << "goes flat 5m after the last match";
  EXPECT_THAT(g.time(kT0 + 15 * kMin - 1), IsEmpty());
  auto fired = g.time(kT0 + 15 * kMin);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 0u);
  EXPECT_FALSE(fired[0].by_match);
  EXPECT_EQ(fired[0].window_start_ms, kT0 + 10 * kMin);
  EXPECT_EQ(fired[0].condition, "0 matches in the last 5m (threshold 1); last match 5m ago");
  EXPECT_THAT(g.time(kT0 + 16 * kMin), IsEmpty()) << "once per outage with realert 0";
}

TEST(FlatlineRule, ThresholdCountsMatchesInTheLastTimeframe) {
  Group g = flatline_group(3, 10 * kMin);
  for (int i = 0; i < 3; ++i) g.match(kT0 + i * kMin);  // +0, +1, +2
  EXPECT_EQ(g.due(), kT0 + 10 * kMin);
  auto fired = g.time(kT0 + 10 * kMin);  // +0 has left the window: 2 left
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].count, 2u);
}

TEST(FlatlineRule, NeedsAFullTimeframeOfWatchingBeforeFiring) {
  Group g = flatline_group(5, 10 * kMin);
  g.match(kT0);  // watched since the first match; only one match
  EXPECT_EQ(g.due(), kT0 + 10 * kMin);
  EXPECT_THAT(g.time(kT0 + 9 * kMin), IsEmpty());
  EXPECT_EQ(g.time(kT0 + 10 * kMin).size(), 1u);
}

TEST(FlatlineRule, RealertRepeatsWhileFlatAndTrafficRecovers) {
  Group g = flatline_group(1, 5 * kMin, 30 * kMin);
  g.match(kT0);
  ASSERT_EQ(g.time(kT0 + 5 * kMin).size(), 1u);
  EXPECT_EQ(g.due(), kT0 + 35 * kMin);
  EXPECT_THAT(g.time(kT0 + 20 * kMin), IsEmpty());
  auto again = g.time(kT0 + 35 * kMin);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].window_start_ms, kT0) << "a repeat is a new alert";
  g.match(kT0 + 40 * kMin);  // traffic is back
  EXPECT_FALSE(g.state.firing);
  EXPECT_EQ(g.due(), kT0 + 45 * kMin);
  EXPECT_EQ(g.time(kT0 + 45 * kMin).size(), 1u) << "a new outage alerts at once";
}

TEST(FlatlineRule, RuleGroupIsWatchedForeverFieldGroupsAreForgotten) {
  Group rule_group = flatline_group(1, 5 * kMin);
  rule_group.rule.group_by = GroupBy::rule;
  rule_group.state.since_ms = kT0;  // activated, never matched
  ASSERT_EQ(rule_group.time(kT0 + 5 * kMin).size(), 1u);
  EXPECT_FALSE(rule_group.expired(kT0 + 100 * kIdleRetentionMs));
  EXPECT_EQ(rule_group.due(), INT64_MAX) << "fired, realert 0: nothing until traffic returns";

  Group host = flatline_group(1, 5 * kMin);
  host.match(kT0);
  host.time(kT0 + 5 * kMin);
  EXPECT_FALSE(host.expired(kT0 + kIdleRetentionMs - 1));
  EXPECT_TRUE(host.expired(kT0 + kIdleRetentionMs));
}

// --- spike -----------------------------------------------------------------------------

Group spike_group(SpikeDirection direction, double height, int64_t timeframe = 10 * kMin) {
  Group g;
  g.rule.type = RuleType::spike;
  g.rule.spike_type = direction;
  g.rule.spike_height = height;
  g.rule.timeframe = milliseconds(timeframe);
  g.rule.realert = milliseconds(0);
  return g;
}

// `n` matches spread over the 10-minute window starting at `start`.
std::vector<Firing> fill(Group& g, int64_t start, int n) {
  std::vector<Firing> all;
  for (int i = 0; i < n; ++i)
    for (auto& f : g.match(start + i * (10 * kMin / n))) all.push_back(std::move(f));
  return all;
}

TEST(SpikeRule, UpFiresAsSoonAsTheRatioIsReached) {
  Group g = spike_group(SpikeDirection::up, 3);
  fill(g, kT0 - 20 * kMin, 10);  // watched from a window's start: the next is a reference
  EXPECT_THAT(fill(g, kT0 - 10 * kMin, 10), IsEmpty());
  std::vector<Firing> fired;
  for (int i = 0; i < 29; ++i) ASSERT_THAT(g.match(kT0 + i * kSec), IsEmpty()) << i;
  fired = g.match(kT0 + 29 * kSec);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].direction, "up");
  EXPECT_EQ(fired[0].count, 30u);
  EXPECT_EQ(fired[0].reference_count, 10u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_TRUE(fired[0].by_match);
  EXPECT_THAT(g.match(kT0 + 40 * kSec), IsEmpty()) << "once per window";
}

TEST(SpikeRule, NeedsAFullReferenceWindowAndMinimumCounts) {
  Group g = spike_group(SpikeDirection::up, 2);
  fill(g, kT0 - 5 * kMin, 2);  // first seen mid-window
  EXPECT_THAT(fill(g, kT0, 50), IsEmpty()) << "the previous window was watched only in part";
  Group quiet = spike_group(SpikeDirection::up, 2);
  quiet.rule.threshold_ref = 5;
  fill(quiet, kT0 - 20 * kMin, 1);
  fill(quiet, kT0 - 10 * kMin, 4);
  EXPECT_THAT(fill(quiet, kT0, 50), IsEmpty()) << "4 in the reference window is below 5";
  Group small = spike_group(SpikeDirection::up, 2);
  small.rule.threshold_cur = 10;
  fill(small, kT0 - 20 * kMin, 1);
  fill(small, kT0 - 10 * kMin, 2);
  EXPECT_THAT(fill(small, kT0, 9), IsEmpty()) << "9 is below threshold_cur 10";
  EXPECT_EQ(small.match(kT0 + 9 * kMin).size(), 1u);
}

TEST(SpikeRule, DownFiresWhenTheWindowCloses) {
  Group g = spike_group(SpikeDirection::down, 4);
  g.options.grace_ms = 30 * kSec;
  fill(g, kT0 - 20 * kMin, 40);
  fill(g, kT0 - 10 * kMin, 40);
  fill(g, kT0, 5);  // 5 against 40: a drop, known when this window closes
  EXPECT_EQ(g.due(), kT0 + 10 * kMin + 30 * kSec);
  EXPECT_THAT(g.time(kT0 + 10 * kMin), IsEmpty()) << "still inside the grace";
  auto fired = g.time(kT0 + 10 * kMin + 30 * kSec);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].direction, "down");
  EXPECT_EQ(fired[0].count, 5u);
  EXPECT_EQ(fired[0].reference_count, 40u);
  EXPECT_FALSE(fired[0].by_match);
}

TEST(SpikeRule, LateMatchesCountUntilTheWindowsGraceEnds) {
  Group g = spike_group(SpikeDirection::down, 2);
  g.options.grace_ms = 30 * kSec;
  fill(g, kT0 - 20 * kMin, 8);
  fill(g, kT0 - 10 * kMin, 8);
  fill(g, kT0, 4);  // 4 against 8: a drop, unless more arrive late
  // The next window began 10 s ago: its match is held while this window is in grace...
  EXPECT_THAT(g.match(kT0 + 10 * kMin + 10 * kSec), IsEmpty());
  EXPECT_EQ(g.state.window_start_ms, kT0);
  EXPECT_EQ(g.state.next_count, 1u);
  // ... so a late match of this window still counts: 5 against 8 is no drop.
  EXPECT_THAT(g.match(kT0 + 9 * kMin), IsEmpty());
  EXPECT_THAT(g.time(kT0 + 10 * kMin + 30 * kSec), IsEmpty());
  EXPECT_EQ(g.state.window_start_ms, kT0 + 10 * kMin);
  EXPECT_EQ(g.state.window_count, 1u) << "the held match moved into its window";
  EXPECT_EQ(g.state.previous_count, 5u);
  // Past the grace, a match of a closed window changes only the reference.
  g.match(kT0 + 9 * kMin);
  EXPECT_EQ(g.state.previous_count, 6u);
  EXPECT_EQ(g.state.window_count, 1u);
}

TEST(SpikeRule, AMatchPastTheGraceClosesTheWindowAtOnce) {
  Group g = spike_group(SpikeDirection::down, 2);
  g.options.grace_ms = 30 * kSec;
  fill(g, kT0 - 20 * kMin, 8);
  fill(g, kT0 - 10 * kMin, 8);
  fill(g, kT0, 4);
  auto fired = g.match(kT0 + 10 * kMin + 31 * kSec);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].direction, "down");
  EXPECT_EQ(fired[0].count, 4u);
  EXPECT_EQ(g.state.window_count, 1u);
}

TEST(SpikeRule, DropToNothingFiresWithoutAnyEvent) {
  Group g = spike_group(SpikeDirection::both, 2);
  fill(g, kT0 - 20 * kMin, 10);
  fill(g, kT0 - 10 * kMin, 10);
  // Nothing more ever arrives; time alone closes the windows.
  auto fired = g.time(kT0 + 10 * kMin);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].direction, "down");
  EXPECT_EQ(fired[0].count, 0u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_THAT(g.time(kT0 + 60 * kMin), IsEmpty());
  EXPECT_TRUE(g.expired(kT0 + 60 * kMin)) << "nothing left to compare";
}

TEST(SpikeRule, AnEventAfterAGapClosesTheSkippedWindowsFirst) {
  Group g = spike_group(SpikeDirection::down, 2);
  fill(g, kT0 - 20 * kMin, 10);
  fill(g, kT0 - 10 * kMin, 10);
  auto fired = g.match(kT0 + 35 * kMin);  // windows kT0 and later were empty
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].window_start_ms, kT0);
  EXPECT_EQ(g.state.window_start_ms, kT0 + 30 * kMin);
  EXPECT_EQ(g.state.window_count, 1u);
  EXPECT_EQ(g.state.previous_count, 0u);
}

TEST(SpikeRule, LateMatchesCountInThePreviousWindow) {
  Group g = spike_group(SpikeDirection::up, 2);
  fill(g, kT0 - 20 * kMin, 4);
  fill(g, kT0 - 10 * kMin, 4);
  g.match(kT0);
  g.match(kT0 - kMin);  // late for the previous window
  EXPECT_EQ(g.state.previous_count, 5u);
  EXPECT_EQ(g.state.window_count, 1u);
}

TEST(SpikeRule, RealertHoldsBackTheNextWindowsSpike) {
  Group g = spike_group(SpikeDirection::up, 2);
  g.rule.realert = milliseconds(30 * kMin);
  fill(g, kT0 - 20 * kMin, 2);
  fill(g, kT0 - 10 * kMin, 2);
  ASSERT_EQ(fill(g, kT0, 10).size(), 1u);
  EXPECT_THAT(fill(g, kT0 + 10 * kMin, 30), IsEmpty());
  EXPECT_EQ(g.state.suppressed, 1u);
}

// --- new_term --------------------------------------------------------------------------

TEST(NewTermRule, FiresOnFirstSightAndAfterTheTermsWindowOnly) {
  Group g;
  g.rule.type = RuleType::new_term;
  g.rule.terms_window = milliseconds(7 * 24 * 60 * kMin);
  auto fired = g.match(kT0, {"r1"});
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].condition, "new term: first seen");
  EXPECT_THAT(fired[0].request_ids, ElementsAre("r1"));
  EXPECT_THAT(g.match(kT0 + kMin), IsEmpty());
  EXPECT_THAT(g.match(kT0 + 7 * 24 * 60 * kMin + kMin), IsEmpty()) << "exactly 7d after the last";
  fired = g.match(kT0 + 14 * 24 * 60 * kMin + 2 * kMin);
  ASSERT_EQ(fired.size(), 1u) << "unseen for more than 7 days";
  EXPECT_EQ(fired[0].count, 4u);
  EXPECT_TRUE(g.expired(g.state.last_seen_ms + 7 * 24 * 60 * kMin + 1));
  EXPECT_FALSE(g.expired(g.state.last_seen_ms + 7 * 24 * 60 * kMin));
}

TEST(DurationText, ReadsLikeAPersonWouldWriteIt) {
  EXPECT_EQ(logic::duration_text(0), "0s");
  EXPECT_EQ(logic::duration_text(90 * kSec), "1m30s");
  EXPECT_EQ(logic::duration_text(26 * 60 * kMin), "1d2h");
  EXPECT_EQ(logic::duration_text(1500), "1.5s");
  EXPECT_EQ(logic::duration_text(40192), "40.2s");
}

}  // namespace
}  // namespace klaxon
