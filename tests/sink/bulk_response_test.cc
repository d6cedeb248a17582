#include "sink/bulk_response.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

TEST(BulkResponse, NoErrorsNeedsNoItems) {
  BulkResponse r;
  std::string error;
  ASSERT_TRUE(parse_bulk_response(
      R"({"took":3,"errors":false,"items":[{"index":{"_id":"a","status":201}}]})", 1, r, error))
      << error;
  EXPECT_FALSE(r.errors);
  EXPECT_TRUE(r.items.empty());
}

TEST(BulkResponse, ItemsWithStatusAndErrorAsDocumented) {
  // The shape of Elasticsearch 8's _bulk reference example with a failure.
  const char* body = R"({"took":486,"errors":true,"items":[
    {"update":{"_index":"index1","_id":"5","status":404,
      "error":{"type":"document_missing_exception","reason":"[5]: document missing",
               "index_uuid":"aAsFqTI0Tc2W0LCWgPNrOA","shard":"0","index":"index1"}}},
    {"index":{"_index":"index1","_id":"6","_version":1,"result":"created",
      "_shards":{"total":2,"successful":1,"failed":0},"_seq_no":1,"_primary_term":1,"status":201}},
    {"index":{"_index":"i","_id":"7","status":429,
      "error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}}]})";
  BulkResponse r;
  std::string error;
  ASSERT_TRUE(parse_bulk_response(body, 3, r, error)) << error;
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].status, 404);
  EXPECT_EQ(r.items[0].error_type, "document_missing_exception");
  EXPECT_EQ(r.items[0].reason, "[5]: document missing");
  EXPECT_EQ(r.items[1].status, 201);
  EXPECT_TRUE(r.items[1].error_type.empty());
  EXPECT_EQ(r.items[2].error_type, "es_rejected_execution_exception");
  EXPECT_EQ(item_verdict(r.items[0].status), ItemVerdict::refused);
  EXPECT_EQ(item_verdict(r.items[1].status), ItemVerdict::indexed);
  EXPECT_EQ(item_verdict(r.items[2].status), ItemVerdict::retry);
  EXPECT_EQ(item_verdict(503), ItemVerdict::retry);
  EXPECT_EQ(item_verdict(400), ItemVerdict::refused);
}

TEST(BulkResponse, RefusesWhatIsNotABulkResponse) {
  BulkResponse r;
  std::string error;
  EXPECT_FALSE(parse_bulk_response("<html>proxy error</html>", 1, r, error));
  EXPECT_FALSE(parse_bulk_response(R"({"acknowledged":true})", 1, r, error));
  EXPECT_NE(error.find("errors"), std::string::npos) << error;
  EXPECT_FALSE(
      parse_bulk_response(R"({"errors":true,"items":[{"index":{"status":201}}]})", 2, r, error));
  EXPECT_NE(error.find("1 items for 2 documents"), std::string::npos) << error;
}

}  // namespace
}  // namespace klaxon
