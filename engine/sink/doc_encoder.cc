#include "sink/doc_encoder.h"

#include "core/json_writer.h"
#include "core/time.h"

namespace klaxon {

namespace {

DecodeOptions decode_options(const IndexPattern& index, size_t max_event_bytes) {
  DecodeOptions o;
  o.max_event_bytes = max_event_bytes;
  o.extra_fields = index.fields();  // the standard ones (type, host, ...) are read anyway
  return o;
}

void append_action(std::string_view index, const RecordView& r, std::string& out) {
  out += R"({"index":{"_index":")";
  out += index;  // IndexPattern keeps quotes and backslashes out of index names
  out += R"(","_id":")";
  for (char c : r.topic) {
    if (c == '"' || c == '\\') out += '\\';  // topic names cannot hold these; be safe anyway
    out += c;
  }
  out += '-';
  out += std::to_string(r.partition);
  out += '-';
  out += std::to_string(r.offset);
  out += "\"}}\n";
}

}  // namespace

DocEncoder::DocEncoder(IndexPattern index, size_t max_event_bytes)
    : index_(std::move(index)), decoder_(decode_options(index_, max_event_bytes)) {}

DecodeError DocEncoder::encode(const RecordView& r, BulkDoc& doc) {
  event_.source = SourceRef{r.topic, r.partition, r.offset, r.timestamp_ms};
  DecodeError e = decoder_.decode(r.value, event_);
  if (e != DecodeError::none) return e;

  doc.topic.assign(r.topic);
  doc.partition = r.partition;
  doc.offset = r.offset;
  doc.timestamp_ms = r.timestamp_ms;
  doc.key.assign(r.key);
  doc.original.clear();
  doc.lines.clear();

  index_name_.clear();
  index_.render(
      [this](std::string_view name, std::string_view& value) { return event_.field(name, value); },
      event_.timestamp_ms, index_name_);
  append_action(index_name_, r, doc.lines);
  doc.source_begin = doc.lines.size();

  if (event_.structured) {
    // JSON can hold raw line breaks only between tokens: as spaces they mean the same,
    // and NDJSON needs the document on one line.
    size_t at = doc.lines.size();
    doc.lines += r.value;
    bool rewritten = false;
    for (size_t i = at; i < doc.lines.size(); ++i) {
      if (doc.lines[i] == '\n' || doc.lines[i] == '\r') {
        doc.lines[i] = ' ';
        rewritten = true;
      }
    }
    if (rewritten) doc.original.assign(r.value);
  } else {
    JsonWriter w(doc.lines);
    w.begin_object();
    w.field("message", event_.message);
    w.field("@timestamp", format_timestamp_ms(event_.timestamp_ms));
    w.end_object();
    doc.original.assign(r.value);
  }
  doc.lines += '\n';
  return DecodeError::none;
}

}  // namespace klaxon
