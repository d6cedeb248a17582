// KafkaProducer's delivery callbacks when their owners are gone: a stop after a fatal
// error leaves messages in flight, and the flush in the producer's destructor must not call
// back into destroyed objects (it did: "double free or corruption" at exit).
#include "source/producer.h"

#include <gtest/gtest.h>

#include <memory>

namespace klaxon {
namespace {

TEST(KafkaProducer, DroppedCallbacksAreFreedWithoutBeingCalled) {
  auto calls = std::make_shared<int>(0);
  {
    // Nothing listens there: every message fails after message.timeout.ms.
    KafkaProducer producer(ProducerOptions{
        "127.0.0.1:1", {{"message.timeout.ms", "300"}}, std::chrono::milliseconds(1), true});
    std::string error;
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(producer.produce(
          "t", "k", "v", {}, [calls](const KafkaProducer::Delivery&) { ++*calls; }, &error))
          << error;
    producer.drop_callbacks();
  }  // the destructor's flush fails them all
  EXPECT_EQ(*calls, 0);
  EXPECT_EQ(calls.use_count(), 1) << "each callback freed";
}

TEST(KafkaProducer, WhatOutlivesTheClosingFlushIsPurgedAndItsCallbacksFreed) {
  auto calls = std::make_shared<int>(0);
  {
    // Undeliverable for a minute; the destructor waits 200 ms, then gives the rest up.
    ProducerOptions options{
        "127.0.0.1:1", {{"message.timeout.ms", "60000"}}, std::chrono::milliseconds(1), true};
    options.close_timeout = std::chrono::milliseconds(200);
    KafkaProducer producer(options);
    std::string error;
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(producer.produce(
          "t", "k", "v", {}, [calls](const KafkaProducer::Delivery&) { ++*calls; }, &error))
          << error;
  }
  EXPECT_EQ(*calls, 0) << "owners are gone by then: not called";
  EXPECT_EQ(calls.use_count(), 1) << "each callback freed (LeakSanitizer saw them leak)";
}

TEST(KafkaProducer, CallbacksRunUntilDropped) {
  auto calls = std::make_shared<int>(0);
  {
    KafkaProducer producer(ProducerOptions{
        "127.0.0.1:1", {{"message.timeout.ms", "300"}}, std::chrono::milliseconds(1), true});
    std::string error;
    ASSERT_TRUE(producer.produce(
        "t", "k", "v", {},
        [calls](const KafkaProducer::Delivery& d) {
          EXPECT_FALSE(d.ok);
          ++*calls;
        },
        &error));
    EXPECT_TRUE(producer.flush(std::chrono::seconds(5)));
  }
  EXPECT_EQ(*calls, 1);
}

}  // namespace
}  // namespace klaxon
