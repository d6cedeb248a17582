// Reading a _bulk response as Elasticsearch documents it:
//   {"took":N,"errors":bool,"items":[{"index":{"_index","_id","status",
//                                               "error":{"type","reason",...}}}, ...]}
// Items come in request order, one per action. When `errors` is false every item
// succeeded and the items are not read at all (the common case costs one field lookup).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct BulkItemResult {
  int status = 0;
  std::string error_type;  // empty on success
  std::string reason;
};

struct BulkResponse {
  bool errors = false;
  std::vector<BulkItemResult> items;  // filled only when `errors`
};

// What to do with one item, by its status: 2xx done; 429 and 5xx again later (Elasticsearch
// was busy or a shard unavailable); anything else is the document's own fault.
enum class ItemVerdict { indexed, retry, refused };
ItemVerdict item_verdict(int status);

// Parses `body`; false with `error` when it is not a bulk response or the number of items
// is not `expected_items`.
bool parse_bulk_response(std::string_view body, size_t expected_items, BulkResponse& out,
                         std::string& error);

}  // namespace klaxon
