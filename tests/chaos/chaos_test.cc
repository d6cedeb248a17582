// The project's own verification campaign: randomized scenarios of `klaxon run` pods on
// librdkafka's mock cluster, with ground truth from the generator and faults from the mock's
// API, checked by a verifier that knows nothing of the engine's rules code.
//
// A scenario is a number of blocks of pay traffic, two hours apart in event time (so each
// block is a fresh window for every group), starting live, hours or days behind the wall
// clock; some blocks carry empty, malformed, binary, deeply nested, mistyped or oversized
// records (a line not starting with '{' is a plain log line, not a bad record). While a
// block is processed one fault is injected: a SIGKILL (sometimes again during the restart),
// a broker down and up, partition leaders moved, retriable request errors on Produce, Fetch,
// OffsetCommit, JoinGroup, SyncGroup or Heartbeat, round-trip delays, scaling out to three
// pods (one on an empty disk, restoring from the changelog) or back in. Besides, rules
// beyond the two verified ones are added, renamed and removed under load, and the tail of a
// block is sometimes held back and written after the next block, two hours late in event
// time (a shipper that fell behind: out-of-order partitions).
//
// The verifier expects, per block, one pay-error-log alert and one pay-exception-stack alert
// per distinct bug in it, and checks: none missing, no (rule, group, block) alerted twice, no
// alert id twice on the alerts topic, every input offset committed, every bad record
// dead-lettered (distinct dead-letter keys), no pod exiting by itself.
//
// KLAXON_CHAOS_SEEDS (runs, default 1), KLAXON_CHAOS_BLOCKS (default 6), KLAXON_CHAOS_SEED
// (the first seed; fixed for one run, random with KLAXON_CHAOS_SEEDS) and KLAXON_CHAOS_RESULTS (a
// file to append each run's figures to, as a JSON line). `make chaos SEEDS=N` runs N and writes
// tests/chaos/RESULTS.md.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "alert/alert.h"
#include "config/internal_topics.h"
#include "core/time.h"
#include "integration/harness.h"

namespace klaxon::testing {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kBlockSpacingMs = 2 * 3'600'000LL;
constexpr int kBlockEvents = 400;
constexpr int kPods = 3;

struct Figures {
  uint64_t seed = 0;
  std::string lag;
  int blocks = 0, kills = 0, faults = 0, scalings = 0, bad_records = 0, crashes = 0;
  int late_blocks = 0, rule_edits = 0;
  size_t expected = 0, alerts = 0, duplicates = 0, lost = 0, twice = 0, dead_letters = 0;
  bool committed = false;
  double seconds = 0;

  std::string json() const {
    return "{\"seed\":" + std::to_string(seed) + ",\"lag\":\"" + lag +
           "\",\"blocks\":" + std::to_string(blocks) + ",\"kills\":" + std::to_string(kills) +
           ",\"faults\":" + std::to_string(faults) + ",\"scalings\":" + std::to_string(scalings) +
           ",\"late_blocks\":" + std::to_string(late_blocks) +
           ",\"rule_edits\":" + std::to_string(rule_edits) +
           ",\"bad_records\":" + std::to_string(bad_records) +
           ",\"crashes\":" + std::to_string(crashes) + ",\"expected\":" + std::to_string(expected) +
           ",\"alerts\":" + std::to_string(alerts) +
           ",\"duplicates\":" + std::to_string(duplicates) + ",\"lost\":" + std::to_string(lost) +
           ",\"twice\":" + std::to_string(twice) +
           ",\"dead_letters\":" + std::to_string(dead_letters) +
           ",\"committed\":" + (committed ? "true" : "false") +
           ",\"seconds\":" + std::to_string(static_cast<int>(seconds)) + "}";
  }
};

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

class Scenario {
 public:
  Scenario(uint64_t seed, int blocks) : random_(seed) {
    figures_.seed = seed;
    figures_.blocks = blocks;
    write_rules();
    for (int i = 0; i < kPods; ++i) {
      pods_[i].config = dir_.file("pod" + std::to_string(i) + ".yaml");
      pods_[i].log = dir_.file("pod" + std::to_string(i) + ".log");
      pods_[i].state = dir_.file("state" + std::to_string(i));
      pods_[i].port = free_port();
      std::ofstream(pods_[i].config)
          << "kafka:\n  bootstrap_servers: " << kafka_.bootstrap()
          << "\n  commit_interval: 500ms\n  poll_timeout: 50ms\n  session_timeout: 4s\n"
          << "  properties:\n    heartbeat.interval.ms: 500\n"
          << (std::getenv("KLAXON_CHAOS_DEBUG")
                  ? std::string("    debug: ") + std::getenv("KLAXON_CHAOS_DEBUG") + "\n"
                  : std::string())
          << "rules:\n  path: " << rules_file_ << "\n  reload: true\n"
          << "state:\n  dir: " << pods_[i].state << "\n"
          << "metrics:\n  listen: 127.0.0.1:" << pods_[i].port << "\n"
          << "alert:\n  log_alerts: false\n";
    }
  }

  Figures run() {
    auto started = std::chrono::steady_clock::now();
    // Where the first block's event time lies: live (the last block is now), hours or days
    // behind the wall clock.
    int lag = static_cast<int>(random_() % 3);
    figures_.lag = lag == 0 ? "live" : lag == 1 ? "hours" : "days";
    int64_t behind = lag == 0   ? 0
                     : lag == 1 ? 3'600'000LL * (3 + static_cast<int64_t>(random_() % 10))
                                : 86'400'000LL * (2 + static_cast<int64_t>(random_() % 4));
    start_ms_ = now_ms() - behind - figures_.blocks * kBlockSpacingMs;
    start(0);
    EXPECT_TRUE(wait_joined(0)) << logs();
    for (int block = 0; block < figures_.blocks && !::testing::Test::HasFatalFailure(); ++block) {
      produce_block(block);
      inject_fault();
      if (!wait_block_done(block, !held_back_.empty())) {
        ADD_FAILURE() << "block " << block << " not done in time" << logs();
        break;
      }
      heal();
    }
    finish();
    verify();
    figures_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return figures_;
  }

 private:
  struct Pod {
    std::string config, log, state;
    int port = 0;
    std::unique_ptr<Child> child;
    size_t log_mark = 0;  // the log's size when the running process started
  };

  void start(int i) {
    pods_[i].log_mark = slurp(pods_[i].log).size();
    std::vector<std::string> args;
    if (std::getenv("KLAXON_CHAOS_DEBUG")) args = {"--log-level", "debug"};
    pods_[i].child = std::make_unique<Child>(pods_[i].config, pods_[i].log, "run", args);
  }
  bool running(int i) const { return pods_[i].child && pods_[i].child->running(); }
  // SIGKILLs land on pods that joined the group: librdkafka 2.0's mock coordinator can stay
  // in its joining state for good when a member dies between JoinGroup and SyncGroup (its
  // REBALANCING timeout moves to JOINING without arming the election timer). A real broker
  // does not; the kill during the restore that follows an assignment is still exercised.
  bool joined(int i) const {
    return running(i) &&
           slurp(pods_[i].log).find("assigned:", pods_[i].log_mark) != std::string::npos;
  }
  bool wait_joined(int i) {
    return wait_until([&] { return joined(i); }, 60);
  }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random_); }
  void sleep_ms(int ms) { std::this_thread::sleep_for(milliseconds(ms)); }

  // A pod that ended by itself is a crash: counted, and started again.
  void reap() {
    for (int i = 0; i < kPods; ++i) {
      if (!pods_[i].child) continue;
      if (std::optional<int> status = pods_[i].child->exited()) {
        ++figures_.crashes;
        ADD_FAILURE() << "pod " << i << " exited by itself with " << *status << "\n"
                      << slurp(pods_[i].log);
        start(i);
      }
    }
  }

  void produce_block(int block) {
    std::set<std::string> bugs;
    auto traffic = pay_traffic(figures_.seed * 1000 + static_cast<uint64_t>(block),
                               start_ms_ + block * kBlockSpacingMs, kBlockEvents, &bugs);
    // The tail of the previous block held back comes now, two hours late in event time,
    // as from a shipper that fell behind: read after this block's alerts.
    std::vector<std::pair<std::string, std::string>> late = std::move(held_back_);
    held_back_.clear();
    if (block + 1 < figures_.blocks && uniform(0, 9) < 3) {
      size_t keep = traffic.size() - traffic.size() / static_cast<size_t>(uniform(5, 10));
      held_back_.assign(traffic.begin() + static_cast<std::ptrdiff_t>(keep), traffic.end());
      traffic.resize(keep);
      ++figures_.late_blocks;
    }
    expected_[block] = 1 + bugs.size();
    figures_.expected += 1 + bugs.size();
    if (uniform(0, 9) < 4) {
      for (int n = uniform(1, 3); n > 0; --n) {
        std::string bad = bad_record();
        size_t at = static_cast<size_t>(uniform(0, static_cast<int>(traffic.size())));
        traffic.insert(traffic.begin() + static_cast<std::ptrdiff_t>(at),
                       {"bad-" + std::to_string(random_()), bad});
        ++figures_.bad_records;
      }
    }
    kafka_.produce("pay_log_topic", traffic, {{"message.max.bytes", "4000000"}});
    if (!late.empty()) kafka_.produce("pay_log_topic", late);
  }

  // rules/pay.yaml, whose two rules the verifier knows, and extra rules that the scenario
  // adds, renames and removes under load (their alerts are only checked for unique ids).
  void write_rules() {
    std::string text = slurp(source_path("rules/pay.yaml"));
    for (const std::string& name : extra_rules_)
      text += "  - name: " + name +
              "\n    type: any\n    message: {match: ['pay-success']}\n    group_by: host\n"
              "    realert: 5m\n";
    std::string tmp = rules_file_ + ".tmp";
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, rules_file_);  // a pod never reads half a file
  }

  void edit_rules() {
    int action = extra_rules_.empty() ? 0 : uniform(extra_rules_.size() < 3 ? 0 : 1, 2);
    std::string name = "chaos-extra-" + std::to_string(++extra_rules_made_);
    if (action == 0) {
      extra_rules_.push_back(name);  // added
    } else {
      size_t at = static_cast<size_t>(uniform(0, static_cast<int>(extra_rules_.size()) - 1));
      if (action == 1)
        extra_rules_[at] = name;  // renamed
      else
        extra_rules_.erase(extra_rules_.begin() + static_cast<std::ptrdiff_t>(at));  // removed
    }
    sleep_ms(uniform(0, 1500));
    write_rules();
    ++figures_.rule_edits;
  }

  std::string bad_record() {
    static const char* kKinds[] = {"empty",  "truncated", "binary",
                                   "nested", "bad_field", "oversized"};
    int kind = uniform(0, oversized_sent_ ? 4 : 5);
    bad_kinds_.push_back(kKinds[kind]);
    switch (kind) {
      case 0:
        return "";
      case 1:
        return "{\"message\": \"ERROR cut short";
      case 2: {
        std::string s(300, '\0');
        for (char& c : s) c = static_cast<char>(random_());
        return s;
      }
      case 3:  // deeper than the decoder's limit
        return R"({"message":"ERROR deep","n":)" + std::string(5000, '[') + std::string(5000, ']') +
               "}";
      case 4:
        return R"({"message": 42})";  // a standard field of the wrong type
      default:
        // Above decode.max_event_bytes (1 MiB); one a run: the mock keeps ~5 MiB a partition.
        oversized_sent_ = true;
        return R"({"message":"ERROR )" + std::string(1'100'000, 'x') + R"("})";
    }
  }

  void inject_fault() {
    rd_kafka_mock_cluster_t* mock = kafka_.mock().handle();
    if (uniform(0, 2) == 0) edit_rules();  // besides the fault, while the block is read
    int kind = uniform(0, 7);
    switch (kind) {
      case 0:
        return;  // a quiet block
      case 1: {  // SIGKILL at a random moment, sometimes again while it restarts
        sleep_ms(uniform(0, 2500));
        std::vector<int> up;
        for (int i = 0; i < kPods; ++i)
          if (joined(i)) up.push_back(i);
        if (up.empty()) return;
        int i = up[static_cast<size_t>(uniform(0, static_cast<int>(up.size()) - 1))];
        pods_[i].child->kill(SIGKILL);
        ++figures_.kills;
        start(i);
        if (uniform(0, 3) == 0 && wait_joined(i)) {  // again, while it restores its state
          sleep_ms(uniform(0, 300));
          pods_[i].child->kill(SIGKILL);
          ++figures_.kills;
          start(i);
        }
        return;
      }
      case 2: {  // a broker down for a while
        int32_t broker = uniform(1, 3);
        sleep_ms(uniform(0, 1000));
        rd_kafka_mock_broker_set_down(mock, broker);
        sleep_ms(uniform(500, 3000));
        rd_kafka_mock_broker_set_up(mock, broker);
        break;
      }
      case 3:  // leaders move
        for (const std::string& topic : {std::string("pay_log_topic"), repartition_topic("klaxon"),
                                         changelog_topic("klaxon"), std::string("pay_alerts")})
          for (int32_t p = 0; p < 3; ++p)
            rd_kafka_mock_partition_set_leader(mock, topic.c_str(), p, uniform(1, 3));
        break;
      case 4: {  // retriable request errors
        static const std::pair<int16_t, rd_kafka_resp_err_t> kErrors[] = {
            {0, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},      // Produce
            {0, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT},             // Produce
            {1, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},      // Fetch
            {8, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS},  // OffsetCommit
            {11, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE},    // JoinGroup
            {14, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS},        // SyncGroup
            {12, RD_KAFKA_RESP_ERR_NOT_COORDINATOR},              // Heartbeat
        };
        auto [api, error] = kErrors[uniform(0, 6)];
        int count = uniform(1, 8);
        std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(count), error);
        rd_kafka_mock_push_request_errors_array(mock, api, static_cast<size_t>(count),
                                                errors.data());
        break;
      }
      case 5:  // slow brokers
        for (int32_t b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_rtt(mock, b, uniform(50, 250));
        slow_ = true;
        break;
      case 6:  // scale out; pod 2 starts on an empty disk and restores from the changelog
        if (running(1)) return;
        std::filesystem::remove_all(pods_[2].state);
        start(1);
        start(2);
        ++figures_.scalings;
        break;
      default:  // scale in: one pod leaves cleanly, the other is killed
        if (!running(1)) return;
        sleep_ms(uniform(0, 1500));
        EXPECT_EQ(pods_[1].child->kill(SIGTERM), 0) << slurp(pods_[1].log);
        if (joined(2)) {
          pods_[2].child->kill(SIGKILL);
          ++figures_.kills;
        } else if (running(2)) {
          EXPECT_EQ(pods_[2].child->kill(SIGTERM), 0) << slurp(pods_[2].log);
        }
        ++figures_.scalings;
        return;
    }
    ++figures_.faults;
  }

  void heal() {
    if (!slow_) return;
    for (int32_t b = 1; b <= 3; ++b) rd_kafka_mock_broker_set_rtt(kafka_.mock().handle(), b, 0);
    slow_ = false;
  }

  bool all_committed(const std::string& topic) {
    auto end = kafka_.end_offsets(topic);
    auto committed = kafka_.committed("klaxon", topic);
    for (auto [p, hi] : end)
      if (committed[p] != hi) return false;
    return true;
  }

  // With its tail held back, a block's last alerts may come only with the next block.
  bool wait_block_done(int block, bool tail_held_back) {
    size_t expected = 0;
    for (int b = 0; b < block; ++b) expected += expected_[b];
    if (!tail_held_back) expected += expected_[block];
    for (int i = 0; i < 1200; ++i) {  // two minutes
      reap();
      if (all_committed("pay_log_topic") && verified_alerts() >= expected) return true;
      sleep_ms(100);
    }
    return false;
  }

  static bool extra_rule(const std::string& rule) { return rule.rfind("chaos-extra-", 0) == 0; }

  size_t verified_alerts() {
    size_t n = 0;
    for (const auto& r : kafka_.read_all("pay_alerts")) {
      Alert a;
      if (from_json(r.value, a) && !extra_rule(a.rule)) ++n;
    }
    return n;
  }

  void finish() {
    heal();
    for (int i = 1; i < kPods; ++i)
      if (running(i)) pods_[i].child->kill(SIGTERM);
    reap();
    if (!running(0)) start(0);
    figures_.committed = wait_until(
        [&] {
          return all_committed("pay_log_topic") && all_committed(repartition_topic("klaxon"));
        },
        120);
    // Started, with its signal handling in place, before it is asked to stop.
    wait_until([&] { return scrape_metric(pods_[0].port, "klaxon_events_consumed_total") >= 0; });
    EXPECT_EQ(pods_[0].child->kill(SIGTERM), 0) << slurp(pods_[0].log);
  }

  void verify() {
    std::map<std::string, int> per_id;
    std::map<int, std::map<std::string, int>> per_block;  // block -> rule/group -> alerts
    auto alerts = kafka_.read_all("pay_alerts");
    for (const auto& r : alerts) {
      Alert a;
      if (!from_json(r.value, a)) {
        ADD_FAILURE() << "unreadable alert: " << r.value.substr(0, 200);
        continue;
      }
      ++per_id[a.id];
      if (extra_rule(a.rule)) continue;  // rules that come and go: unique ids only
      ++figures_.alerts;
      int64_t since_start = a.window_start_ms - start_ms_;
      int block = static_cast<int>(since_start / kBlockSpacingMs);
      if (since_start < 0 || !expected_.count(block)) {
        ADD_FAILURE() << "alert " << a.id << " outside every block: " << r.value.substr(0, 300);
        continue;
      }
      ++per_block[block][a.rule + "/" + a.group_key];
    }
    for (const auto& [id, n] : per_id) {
      figures_.duplicates += static_cast<size_t>(n - 1);
      if (n > 1) ADD_FAILURE() << "alert " << id << " on the topic " << n << " times";
    }
    for (const auto& [block, expected] : expected_) {
      const auto& groups = per_block[block];
      for (const auto& [group, n] : groups) {
        figures_.twice += n > 1 ? 1 : 0;
        if (n > 1)
          ADD_FAILURE() << "block " << block << ": " << group << " alerted " << n << " times";
      }
      if (groups.size() < expected) figures_.lost += expected - groups.size();
      if (groups.size() > expected)
        ADD_FAILURE() << "block " << block << ": " << groups.size() << " groups alerted, "
                      << expected << " incidents in it";
    }
    std::map<std::string, std::string> dead;  // key -> reason
    for (const auto& r : kafka_.read_all("pay_log_dead_letter"))
      if (r.key.rfind("pay_log_topic/", 0) == 0)
        dead[r.key] = r.headers.count("klaxon.reason") ? r.headers.at("klaxon.reason") : "?";
    figures_.dead_letters = dead.size();
    if (dead.size() != static_cast<size_t>(figures_.bad_records)) {
      std::string got, sent;
      for (const auto& [key, reason] : dead) got += " " + key + ":" + reason;
      for (const auto& kind : bad_kinds_) sent += " " + kind;
      ADD_FAILURE() << "dead letters:" << got << "\nbad records sent:" << sent;
    }

    EXPECT_EQ(figures_.lost, 0u) << "incidents never alerted" << logs();
    EXPECT_EQ(figures_.twice, 0u) << "incidents alerted twice" << logs();
    EXPECT_EQ(figures_.duplicates, 0u) << "alert ids on the topic twice" << logs();
    EXPECT_EQ(figures_.dead_letters, static_cast<size_t>(figures_.bad_records));
    EXPECT_TRUE(figures_.committed) << "every input and repartition offset committed";
    EXPECT_EQ(figures_.crashes, 0);
  }

  std::string logs() const {
    std::string out;
    for (const Pod& p : pods_) out += "\n--- " + p.log + "\n" + slurp(p.log);
    return out;
  }

  std::mt19937_64 random_;
  KafkaCluster kafka_;
  TempDir dir_;
  Pod pods_[kPods];
  Figures figures_;
  int64_t start_ms_ = 0;
  std::map<int, size_t> expected_;  // block -> incidents
  bool oversized_sent_ = false;
  std::string rules_file_ = dir_.file("rules.yaml");
  std::vector<std::string> extra_rules_;
  int extra_rules_made_ = 0;
  std::vector<std::pair<std::string, std::string>> held_back_;
  std::vector<std::string> bad_kinds_;
  bool slow_ = false;
};

TEST(Chaos, RandomizedScenariosLoseNothingAndAlertNothingTwice) {
  int runs = env_int("KLAXON_CHAOS_SEEDS", 1);
  int blocks = env_int("KLAXON_CHAOS_BLOCKS", 6);
  // `make test` runs one fixed scenario (its faults, kills and scaling drawn from this
  // seed; the timing still varies); `make chaos` draws new seeds, and RESULTS.md records
  // what they found, failures included.
  constexpr uint64_t kSuiteSeed = 2383103706;  // days behind; kills, late tails, rule edits
  uint64_t first = kSuiteSeed;
  if (const char* seed = std::getenv("KLAXON_CHAOS_SEED"))
    first = std::stoull(seed);
  else if (std::getenv("KLAXON_CHAOS_SEEDS"))
    first = std::random_device{}();
  const char* results = std::getenv("KLAXON_CHAOS_RESULTS");
  for (int i = 0; i < runs; ++i) {
    uint64_t seed = first + static_cast<uint64_t>(i);
    SCOPED_TRACE("KLAXON_CHAOS_SEED=" + std::to_string(seed));
    Figures f = Scenario(seed, blocks).run();
    std::printf("chaos %s\n", f.json().c_str());
    if (results) std::ofstream(results, std::ios::app) << f.json() << "\n";
  }
}

}  // namespace
}  // namespace klaxon::testing
