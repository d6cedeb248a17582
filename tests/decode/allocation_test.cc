// The decoder's steady state allocates nothing: once its buffers (and the event's vectors)
// have grown to fit the records, decoding more of the same size does not touch the heap.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "decode/decoder.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Counts every allocation in this test binary. All the unaligned forms are replaced
// together so that sanitizers see matching new/delete pairs.
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace klaxon {
namespace {

TEST(DecoderAllocation, SteadyStateDecodesWithoutAllocating) {
  std::vector<std::string> records;
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    records.push_back(R"({"@timestamp":"2026-11-24T10:15:30.123Z","message":"boom )" + n +
                      R"j(\n\tat a.B.c(B.java:1)","tags":["exception_stack","t)j" + n +
                      R"("],"host":{"name":"h)" + n + R"("},"level":"ERROR","latency_ms":)" + n +
                      R"(,"ctx":{"k":[1,2,{"x":null}]},"unread":"caf\u00e9"})");
    records.push_back("plain line " + n + "\r\n");
  }
  Decoder d({1 << 20, {"level", "latency_ms", "ctx"}});
  Event e;
  for (const auto& r : records) ASSERT_EQ(d.decode(r, e), DecodeError::none) << d.detail();

  const long before = g_allocations.load();
  size_t messages = 0;
  for (int round = 0; round < 20; ++round) {
    for (const auto& r : records) {
      if (d.decode(r, e) != DecodeError::none) ADD_FAILURE() << d.detail();
      messages += e.message.size();
    }
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0);
  EXPECT_GT(messages, 0u);
}

}  // namespace
}  // namespace klaxon
