// Channel: one configured destination of alerts (an Alertmanager, a mailbox, a chat group,
// a webhook). A channel turns alerts into its protocol's request and says whether the
// other side accepted it. Its worker thread (see ChannelWorker) owns it: retries, rate
// limits and digests happen there, so a channel only sends.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "alert/alert.h"

namespace klaxon {

struct SendResult {
  enum Outcome {
    accepted,  // the channel took it
    retry,     // try again later: unreachable, timeout, 5xx, 429
    rejected,  // will never succeed as is (4xx, a refused recipient): dead-letter it
  } outcome = accepted;
  std::string error;  // for retry/rejected: what happened, with no secret in it
};

// What a rate-limited channel sends instead of alerts it may not send one by one.
struct Digest {
  std::vector<const Alert*> alerts;  // oldest first
  int64_t since_ms = 0;              // wall clock of the oldest alert held back
  int64_t now_ms = 0;
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual const std::string& name() const = 0;
  // Delivers `alerts` (at most max_batch() of them; one unless the API takes several).
  virtual SendResult send(const std::vector<const Alert*>& alerts) = 0;
  virtual SendResult send_digest(const Digest& digest) = 0;
  virtual size_t max_batch() const { return 1; }
  // A receiver that keeps alerts only in memory (Alertmanager) loses them when it restarts;
  // such a channel posts again what is still firing, as Prometheus re-sends its alerts. The
  // worker calls refresh() every refresh_interval() (0: never) while it is not backing off
  // a failure; a refresh that fails is not retried, the next one is.
  virtual std::chrono::milliseconds refresh_interval() const { return {}; }
  virtual SendResult refresh(int64_t /*now_ms*/) { return {}; }
};

// "37 alerts from 5 rules in the last 10 min" and one line per rule: the digest's words,
// shared by every channel that writes text.
std::string digest_headline(const Digest& digest);
std::vector<std::string> digest_lines(const Digest& digest, size_t max_lines = 20);

}  // namespace klaxon
