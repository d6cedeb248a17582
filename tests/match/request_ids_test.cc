#include "match/request_ids.h"

#include <gtest/gtest.h>

namespace klaxon {
namespace {

using Ids = std::vector<std::string>;

Ids ids(std::string_view message, const std::vector<std::string>& keys = {"reqId"},
        size_t max = 10) {
  Ids out;
  extract_request_ids(message, keys, max, out);
  return out;
}

TEST(RequestIds, EverySyntax) {
  EXPECT_EQ(ids("pay failed reqId=a1b2c3 amount=5"), Ids{"a1b2c3"});
  EXPECT_EQ(ids("pay failed reqId: a1b2c3, amount 5"), Ids{"a1b2c3"});
  EXPECT_EQ(ids("pay failed reqId:a1b2c3"), Ids{"a1b2c3"});
  EXPECT_EQ(ids(R"(body {"reqId":"a1b2c3","amount":5})"), Ids{"a1b2c3"});
  EXPECT_EQ(ids(R"(body {"reqId": "a1b2c3", "amount": 5})"), Ids{"a1b2c3"});
  EXPECT_EQ(ids(R"(body {"reqId": 123456})"), Ids{"123456"});
  EXPECT_EQ(ids("reqId=a1b2c3"), Ids{"a1b2c3"}) << "at the very start";
}

TEST(RequestIds, ValueCharacters) {
  EXPECT_EQ(ids("reqId=pay-2026.11.24:node_7 rest"), Ids{"pay-2026.11.24:node_7"});
  EXPECT_EQ(ids("failed (reqId=abc123)."), Ids{"abc123"});
  EXPECT_EQ(ids("failed for reqId=abc123."), Ids{"abc123"}) << "no trailing '.'";
  EXPECT_EQ(ids("reqId=abc123: timeout"), Ids{"abc123"}) << "no trailing ':'";
  EXPECT_EQ(ids("reqId=abc/def"), Ids{"abc"});
  EXPECT_EQ(ids("reqId="), Ids{});
  EXPECT_EQ(ids("reqId= abc"), Ids{}) << "no blank after '='";
  EXPECT_EQ(ids("reqId=..."), Ids{});
  EXPECT_EQ(ids("reqId: "), Ids{});
}

TEST(RequestIds, KeyBoundaries) {
  EXPECT_EQ(ids("xreqId=abc"), Ids{});
  EXPECT_EQ(ids("my_reqId=abc"), Ids{});
  EXPECT_EQ(ids("reqIds=abc"), Ids{});
  EXPECT_EQ(ids("reqId abc"), Ids{});
  EXPECT_EQ(ids("ReqId=abc"), Ids{}) << "keys are case-sensitive";
  EXPECT_EQ(ids("[reqId=abc]"), Ids{"abc"});
  EXPECT_EQ(ids("x-reqId=abc"), Ids{"abc"}) << "'-' is not an identifier character";
  EXPECT_EQ(ids("xreqId=abc reqId=def"), Ids{"def"}) << "a rejected occurrence does not stop";
}

TEST(RequestIds, SeveralKeysDistinctValues) {
  std::vector<std::string> keys{"reqId", "traceId", "X-Request-ID"};
  EXPECT_EQ(ids("reqId=a traceId=t1 reqId=b reqId=a X-Request-ID: h-9", keys),
            (Ids{"a", "b", "t1", "h-9"}));
  EXPECT_EQ(ids("reqId=same traceId=same", keys), Ids{"same"});
  EXPECT_EQ(ids("nothing here", keys), Ids{});
  EXPECT_EQ(ids("reqId=a", {"", "reqId"}), Ids{"a"}) << "an empty key is ignored";
}

TEST(RequestIds, AppendsAndStopsAtMaxInOut) {
  Ids out{"old", "a"};
  extract_request_ids("reqId=a reqId=b reqId=c reqId=d", {"reqId"}, 4, out);
  EXPECT_EQ(out, (Ids{"old", "a", "b", "c"}));

  Ids full{"x", "y"};
  extract_request_ids("reqId=a", {"reqId"}, 2, full);
  EXPECT_EQ(full, (Ids{"x", "y"}));

  EXPECT_EQ(ids("reqId=a traceId=b", {"reqId", "traceId"}, 1), Ids{"a"});
  EXPECT_EQ(ids("reqId=a", {"reqId"}, 0), Ids{});
}

}  // namespace
}  // namespace klaxon
