// The dispatcher's delivery policy: retries with backoff, rate limits with digests, give-up,
// refusals, partitions moving away. The channel here is a scripted stand-in recording what
// it is asked to send (the real channels are tested against real servers in channels_test).
#include "notify/dispatcher.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

namespace klaxon {
namespace {

using namespace std::chrono_literals;

class ScriptedChannel : public Channel {
 public:
  struct Log {
    std::mutex mutex;
    std::vector<std::vector<std::string>> sends;  // alert ids per send
    std::vector<size_t> digests;                  // sizes of digests sent
    std::deque<SendResult> script;                // results to give, then accepted
    int refreshes = 0;
  };
  ScriptedChannel(std::string name, Log& log, size_t batch = 1)
      : name_(std::move(name)), log_(log), batch_(batch) {}
  const std::string& name() const override { return name_; }
  size_t max_batch() const override { return batch_; }
  std::chrono::milliseconds refresh_interval() const override { return refresh_every; }
  SendResult refresh(int64_t) override {
    std::lock_guard<std::mutex> lock(log_.mutex);
    ++log_.refreshes;
    return {};
  }
  std::chrono::milliseconds refresh_every{0};
  SendResult send(const std::vector<const Alert*>& alerts) override {
    std::lock_guard<std::mutex> lock(log_.mutex);
    std::vector<std::string> ids;
    for (const Alert* a : alerts) ids.push_back(a->id);
    log_.sends.push_back(ids);
    return next();
  }
  SendResult send_digest(const Digest& d) override {
    std::lock_guard<std::mutex> lock(log_.mutex);
    log_.digests.push_back(d.alerts.size());
    return next();
  }

 private:
  SendResult next() {
    if (log_.script.empty()) return {};
    SendResult r = log_.script.front();
    log_.script.pop_front();
    return r;
  }
  std::string name_;
  Log& log_;
  size_t batch_;
};

DeliveryJob job(const std::string& id, int32_t partition = 0, const std::string& channel = "c",
                int64_t queued_ms = 0) {
  Alert a;
  a.id = id;
  a.rule = "pay-errors";
  a.severity = "error";
  a.group_key = "g-" + id;
  a.event_time_ms = 1'795'515'330'000;
  if (queued_ms == 0)
    queued_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  return DeliveryJob{partition, channel, to_json(a), queued_ms};
}

std::vector<DeliveryOutcome> wait_outcomes(Dispatcher& d, size_t n,
                                           std::chrono::milliseconds timeout = 5s) {
  std::vector<DeliveryOutcome> all;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (auto& o : d.take_outcomes()) all.push_back(std::move(o));
    std::this_thread::sleep_for(5ms);
  }
  return all;
}

struct Fixture : ::testing::Test {
  prometheus::Registry registry;
  NotifyProbe probe{registry};
  ScriptedChannel::Log log;
  std::unique_ptr<Dispatcher> make(RateLimit limit = {}, DispatcherOptions o = {1h, 10ms, 40ms},
                                   size_t batch = 1) {
    std::vector<ChannelSetup> setups;
    setups.push_back(ChannelSetup{std::make_unique<ScriptedChannel>("c", log, batch), limit});
    return std::make_unique<Dispatcher>(o, std::move(setups), probe);
  }
};

TEST_F(Fixture, FailuresAreRetriedUntilTheChannelAcceptsInOrder) {
  log.script = {{SendResult::retry, "connection refused"}, {SendResult::retry, "HTTP 503"}};
  auto d = make({}, {1h, 10ms, 40ms});
  d->submit(job("a1"));
  d->submit(job("a2"));
  auto out = wait_outcomes(*d, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].accepted);
  EXPECT_EQ(out[0].alert_id, "a1");
  EXPECT_EQ(out[1].alert_id, "a2");
  std::lock_guard<std::mutex> lock(log.mutex);
  ASSERT_EQ(log.sends.size(), 4u);  // a1 refused twice, then a1, a2
  EXPECT_EQ(log.sends[2], std::vector<std::string>{"a1"});
  EXPECT_EQ(probe.channel("c").attempts_failed.Value(), 2);
  EXPECT_EQ(probe.channel("c").accepted.Value(), 2);
}

TEST_F(Fixture, TheSameAlertQueuedTwiceIsSentOnce) {
  log.script = {{SendResult::retry, "down"}};
  auto d = make({}, {1h, 50ms, 50ms});
  d->submit(job("a1"));
  d->submit(job("a1"));  // resubmitted when its partition was reopened, say
  auto out = wait_outcomes(*d, 2, 500ms);
  ASSERT_EQ(out.size(), 1u);
  std::lock_guard<std::mutex> lock(log.mutex);
  EXPECT_EQ(log.sends.size(), 2u);  // one failed attempt, one accepted
}

TEST_F(Fixture, BeyondTheRateLimitTheRestGoesAsOneDigest) {
  auto d = make(RateLimit{3, 1h});
  // Held back by a failure so that all of them are waiting when the channel comes back.
  log.script = {{SendResult::retry, "down"}};
  for (int i = 0; i < 10; ++i) d->submit(job("a" + std::to_string(i)));
  auto out = wait_outcomes(*d, 10);
  ASSERT_EQ(out.size(), 10u);
  for (const auto& o : out) EXPECT_TRUE(o.accepted) << o.alert_id;
  std::lock_guard<std::mutex> lock(log.mutex);
  // Three tokens: the failed try of a0, a0 and a1 one by one, then the other eight in the
  // digest sent with the last token. Four messages reached people, none was dropped.
  ASSERT_EQ(log.digests.size(), 1u);
  EXPECT_EQ(log.digests[0], 8u);
  EXPECT_EQ(log.sends.size(), 3u);
  EXPECT_EQ(probe.channel("c").digested.Value(), 8);
}

TEST_F(Fixture, BatchingChannelsTakeSeveralAlertsPerRequest) {
  log.script = {{SendResult::retry, "down"}};
  auto d = make({}, {1h, 20ms, 20ms}, 64);
  for (int i = 0; i < 5; ++i) d->submit(job("a" + std::to_string(i)));
  ASSERT_EQ(wait_outcomes(*d, 5).size(), 5u);
  std::lock_guard<std::mutex> lock(log.mutex);
  EXPECT_EQ(log.sends.back().size(), 5u);
}

TEST_F(Fixture, AnAlertNotAcceptedInTimeIsGivenUpWithTheLastError) {
  for (int i = 0; i < 100; ++i) log.script.push_back({SendResult::retry, "HTTP 502: bad gateway"});
  auto d = make({}, {150ms, 10ms, 20ms});
  d->submit(job("a1"));
  auto out = wait_outcomes(*d, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].accepted);
  EXPECT_NE(out[0].reason.find("not accepted by c within"), std::string::npos) << out[0].reason;
  EXPECT_NE(out[0].reason.find("HTTP 502"), std::string::npos) << out[0].reason;
  EXPECT_FALSE(out[0].document.empty());  // what goes to the dead-letter topic
  EXPECT_EQ(probe.channel("c").gave_up.Value(), 1);
}

TEST_F(Fixture, ARefusalIsFinalAtOnce) {
  log.script = {{SendResult::rejected, "HTTP 400: bad payload"}};
  auto d = make();
  d->submit(job("a1"));
  auto out = wait_outcomes(*d, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].accepted);
  EXPECT_NE(out[0].reason.find("HTTP 400"), std::string::npos);
}

TEST_F(Fixture, UnknownChannelsAndUnreadableDocumentsAreGivenUp) {
  auto d = make();
  d->submit(job("a1", 0, "gone"));
  d->submit(DeliveryJob{0, "c", "not json", 0});
  auto out = wait_outcomes(*d, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].accepted);
  EXPECT_NE(out[0].reason.find("'gone' is not configured"), std::string::npos);
  EXPECT_FALSE(out[1].accepted);
}

TEST_F(Fixture, JobsOfAPartitionThatMovedAwayAreDropped) {
  for (int i = 0; i < 100; ++i) log.script.push_back({SendResult::retry, "down"});
  auto d = make({}, {1h, 30ms, 30ms});
  d->submit(job("p0", 0));
  d->submit(job("p1", 1));
  std::this_thread::sleep_for(50ms);
  d->drop_partition(0);
  {
    std::lock_guard<std::mutex> lock(log.mutex);
    log.script.clear();
  }
  auto out = wait_outcomes(*d, 2, 500ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].alert_id, "p1");
  EXPECT_EQ(d->queued(), 0u);
}

// A channel whose receiver forgets (Alertmanager) is asked to re-send on its interval, idle
// too.
TEST_F(Fixture, ARefreshingChannelIsRefreshedOnItsIntervalWhileIdle) {
  auto channel = std::make_unique<ScriptedChannel>("c", log);
  channel->refresh_every = 20ms;
  std::vector<ChannelSetup> setups;
  setups.push_back(ChannelSetup{std::move(channel), {}});
  {
    Dispatcher d(DispatcherOptions{1h, 10ms, 40ms}, std::move(setups), probe);
    std::this_thread::sleep_for(300ms);
  }
  std::lock_guard<std::mutex> lock(log.mutex);
  EXPECT_GE(log.refreshes, 5) << "every 20 ms for 300 ms, idle";
  EXPECT_LE(log.refreshes, 16);
}

TEST_F(Fixture, ANonRefreshingChannelIsNeverRefreshed) {
  {
    auto d = make();
    d->submit(job("a"));
    ASSERT_EQ(wait_outcomes(*d, 1).size(), 1u);
    std::this_thread::sleep_for(100ms);
  }
  std::lock_guard<std::mutex> lock(log.mutex);
  EXPECT_EQ(log.refreshes, 0);
}

}  // namespace
}  // namespace klaxon
