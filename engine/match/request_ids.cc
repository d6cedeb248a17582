// For each key K, every occurrence of K that is not preceded by an identifier character
// ([A-Za-z0-9_]) and is followed by one of
//   K=VALUE   K:VALUE   K: VALUE   "K":"VALUE"   "K": "VALUE"   "K": 123
// (blanks after ':' are skipped) yields VALUE: the longest run of [A-Za-z0-9._:-], without
// trailing ':' or '.'. Empty values are ignored, values already in `out` are not repeated,
// and the scan stops once `out` holds `max` entries. Keys are matched case-sensitively.
#include "match/request_ids.h"

#include <algorithm>
#include <cstring>

namespace klaxon {

namespace {

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_value(char c) { return is_ident(c) || c == '.' || c == ':' || c == '-'; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The value after the key at [pos, pos + key_size), or empty when the syntax does not fit.
std::string_view value_after(std::string_view m, size_t pos, size_t key_size) {
  size_t i = pos + key_size;
  bool quoted = pos > 0 && m[pos - 1] == '"' && i < m.size() && m[i] == '"';
  if (quoted) {
    ++i;  // closing quote of the key
    if (i >= m.size() || m[i] != ':') return {};
    ++i;
    while (i < m.size() && is_blank(m[i])) ++i;
    if (i < m.size() && m[i] == '"') ++i;  // a JSON string; a bare JSON number is taken too
  } else if (i < m.size() && m[i] == '=') {
    ++i;
  } else if (i < m.size() && m[i] == ':') {
    ++i;
    while (i < m.size() && is_blank(m[i])) ++i;
  } else {
    return {};
  }
  size_t end = i;
  while (end < m.size() && is_value(m[end])) ++end;
  while (end > i && (m[end - 1] == ':' || m[end - 1] == '.')) --end;
  // Request and trace ids are tens of characters; a run of hundreds is something else, and
  // must not make the match record (which carries the ids) unbounded.
  if (end - i > 256) return {};
  return m.substr(i, end - i);
}

bool is_identifier(std::string_view key) { return std::all_of(key.begin(), key.end(), is_ident); }

}  // namespace

// Scanning the whole message once per key (several KB for a stack trace, where the keys'
// first letters are everywhere) was a tenth of the engine's CPU. Every accepted occurrence
// is followed by '=', ':' or '"', which are rare: those are found with memchr and the keys
// compared just before them. That finds exactly what the scan per key accepts for a key of
// identifier characters; a key with others (X-Request-ID) can have overlapping occurrences,
// which the scan per key skips, so such keys keep it. Candidates are then taken in that
// scan's order (key, then position).
void extract_request_ids(std::string_view message, const std::vector<std::string>& keys, size_t max,
                         std::vector<std::string>& out) {
  if (out.size() >= max || message.empty()) return;
  std::vector<std::pair<size_t, size_t>> found;  // (key index, position)
  for (char delimiter : {'=', ':', '"'}) {
    const char* begin = message.data();
    const char* end = begin + message.size();
    for (const char* p = begin;
         (p = static_cast<const char*>(std::memchr(p, delimiter, static_cast<size_t>(end - p))));
         ++p) {
      size_t d = static_cast<size_t>(p - begin);
      for (size_t k = 0; k < keys.size(); ++k) {
        const std::string& key = keys[k];
        if (key.empty() || key.size() > d || message[d - 1] != key.back() ||
            message.compare(d - key.size(), key.size(), key) != 0)
          continue;
        size_t at = d - key.size();
        if ((at == 0 || !is_ident(message[at - 1])) && is_identifier(key)) found.push_back({k, at});
      }
    }
  }
  for (size_t k = 0; k < keys.size(); ++k) {
    const std::string& key = keys[k];
    if (key.empty() || is_identifier(key)) continue;
    for (size_t pos = 0; (pos = message.find(key, pos)) != std::string_view::npos;) {
      size_t at = pos;
      pos += key.size();
      if (at == 0 || !is_ident(message[at - 1])) found.push_back({k, at});
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [k, at] : found) {
    std::string_view value = value_after(message, at, keys[k].size());
    if (value.empty()) continue;
    if (std::find(out.begin(), out.end(), value) == out.end()) out.emplace_back(value);
    if (out.size() >= max) return;
  }
}

}  // namespace klaxon
