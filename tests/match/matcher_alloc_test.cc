// Counts heap allocations (global operator new) around Matcher::match, to hold the
// promise that an event no rule matches costs no allocation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "match/matcher.h"
#include "match/rules_loader.h"

namespace {
bool g_counting = false;
size_t g_allocations = 0;
}  // namespace

// Every non-aligned form is replaced so that allocation and release always pair up
// (AddressSanitizer checks that they do).
void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace klaxon {
namespace {

TEST(MatcherAllocations, NoMatchPathAllocatesNothing) {
  auto m = Matcher::compile(load_rules(KLAXON_SOURCE_DIR "/rules/pay.yaml"));
  Matcher::Scratch s(*m);
  std::vector<Match> out;
  out.reserve(4);
  Event info;
  info.type = "pay-biz";
  info.message = "2026-11-24 INFO [exec-1] c.p.PayService - pay success orderId=1 reqId=2";
  Event other = info;
  other.type = "nginx";
  Event noise = info;
  noise.message = "2026-11-24 ERROR [exec-1] c.p.Web - HealthCheck failed";
  Event error = info;
  error.message = "2026-11-24 ERROR [exec-1] c.p.Channel - timeout";

  g_allocations = 0;
  g_counting = true;
  m->match(info, s, out);   // selected, scanned, no hit
  m->match(other, s, out);  // selected by no rule
  m->match(noise, s, out);  // hit, vetoed by an exclude
  g_counting = false;
  EXPECT_EQ(g_allocations, 0u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(s.scans(), 2u);

  m->match(error, s, out);
  EXPECT_EQ(out.size(), 1u) << "the counting operator new does not break matching";
}

}  // namespace
}  // namespace klaxon
