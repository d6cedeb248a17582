// The pod's HTTP endpoint as Prometheus and an SRE use it.
#include "metrics/metrics_server.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "integration/harness.h"

namespace klaxon {
namespace {

using testing::http_get;
using testing::http_request;

TEST(MetricsServer, ServesMetricsHealthAndJsonEndpoints) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter().Name("klaxon_test_total").Help("t").Register(*registry);
  family.Add({{"stage", "decode"}}).Increment(3);
  MetricsServer server("127.0.0.1:0", registry);
  ASSERT_GT(server.port(), 0);

  std::string body;
  ASSERT_EQ(http_get(server.port(), "/metrics", body), 200);
  EXPECT_NE(body.find("klaxon_test_total{stage=\"decode\"} 3"), std::string::npos) << body;
  ASSERT_EQ(http_get(server.port(), "/healthz", body), 200);
  EXPECT_EQ(body, "ok\n");

  int calls = 0;
  server.add_json_endpoint("/silences", [&calls] { return "[" + std::to_string(++calls) + "]"; });
  ASSERT_EQ(http_get(server.port(), "/silences", body), 200);
  EXPECT_EQ(body, "[1]");
  ASSERT_EQ(http_get(server.port(), "/silences", body), 200);
  EXPECT_EQ(body, "[2]");  // computed per request, not cached

  EXPECT_EQ(http_request(server.port(), "POST", "/silences", "{}", body), 405);
  EXPECT_EQ(http_get(server.port(), "/nothing-here", body), 404);
}

TEST(MetricsServer, NamesTheAddressItCannotListenOn) {
  auto registry = std::make_shared<prometheus::Registry>();
  MetricsServer first("127.0.0.1:0", registry);
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    MetricsServer second(taken, registry);
    FAIL() << "listened twice on " << taken;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(taken), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace klaxon
