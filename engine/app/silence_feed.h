// SilenceFeed: keeps a SilenceStore equal to the silences topic (<group>-silences), as
// Kafka Streams keeps a global store: the constructor reads the whole topic, so a pod
// knows every silence before it delivers its first alert; a thread then applies what
// `klaxon silence add|expire` writes later (within about a second) and keeps
// klaxon_silences{state} current.
//
// Thread: construct and destroy on one thread; the store is read by others meanwhile.
#pragma once

#include <atomic>
#include <thread>

#include "config/config.h"
#include "metrics/notify_probe.h"
#include "notify/silence.h"
#include "source/topic_reader.h"

namespace klaxon {

// Reading the silences topic without a consumer group (`follow`: and what comes later).
TopicReaderOptions silences_reader_options(const Config& config, bool follow);
// Applies one record of the silences topic to `store` (see SilenceStore::apply).
bool apply_silence_record(SilenceStore& store, const Record& m, std::string& error);

class SilenceFeed {
 public:
  // Throws std::runtime_error when the topic cannot be read to its end.
  SilenceFeed(const Config& config, SilenceStore& store, NotifyProbe& probe);
  ~SilenceFeed();
  SilenceFeed(const SilenceFeed&) = delete;
  SilenceFeed& operator=(const SilenceFeed&) = delete;

 private:
  void read_some();
  void follow();

  std::string topic_;
  SilenceStore& store_;
  NotifyProbe& probe_;
  TopicReader reader_;
  RecordBatch batch_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace klaxon
