// Fingerprint algorithm (engine/match/README.md repeats it for users):
//
// 1. Lines. The message is split into lines ('\n', a trailing '\r' dropped). Line 0 is the
//    log line ("2026-... ERROR [main] c.p.PayService - charge failed").
// 2. Exception class. An exception header is a line that, after leading blanks, is a
//    fully-qualified class name `([a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*` (inner classes with `$`
//    included) followed by ':' or the end of the line. The outermost exception is the first
//    header after the log line without a "Caused by: " / "Suppressed: " prefix (line 0
//    itself counts only when the next line is a frame, for traces logged without a log
//    line). Without one, the first "Caused by: " header names the class.
// 3. Frames. A frame is a line matching `^\s*at\s+([^\s(]+)\(`; its name is the captured
//    `pkg.Class.method`. The outermost exception's frames are those after its header up to
//    the first "Caused by:", "Suppressed:" or "Wrapped by:" line.
// 4. Normalising a frame name: a module/class-loader prefix (`java.base/`, `app//`) is
//    dropped; `$$...` up to the method (`$$EnhancerBySpringCGLIB$$1a2b`,
//    `$$FastClassBySpringCGLIB$$..`, `$$Lambda$12/0x...`) is removed; then in every
//    `$`-separated part of every `.`-separated segment: parts that are all digits are removed
//    (`lambda$charge$0` -> `lambda$charge`, `PayService$1` -> `PayService`); trailing digits
//    of `$Proxy123`, `jdk.proxy2` and `Generated...Accessor123` are removed; parts after
//    `ByteBuddy`, `HibernateProxy` or `MockitoMock` (random suffixes) are removed; hex addresses
//    (0x...) and UUIDs are removed wherever they appear.
// 5. Top frames. The first `max_frames` frames whose name does not start with a framework
//    prefix (java., javax., jdk., sun., com.sun., kotlin., scala., org.springframework.,
//    org.apache., io.netty., com.fasterxml., org.hibernate., com.zaxxer., reactor.,
//    io.undertow., org.eclipse.jetty.); if none qualify, the first `max_frames` frames.
// 6. hash = hex64(fnv1a64(exception_class + "\n" + top frames joined by "\n")).
// 7. No header and no frame (an ordinary log line): hash = hex64(fnv1a64(the words of the
//    first line that contain a letter and no digit, joined by single spaces)), where words
//    are runs of [A-Za-z0-9_.-] and everything else (blanks, punctuation) separates them.
//    Numbers, timestamps, hex, UUIDs and ids such as reqId=a1b2c3 vanish, so "same text,
//    different ids" is one group.
#include "match/fingerprint.h"

#include "core/hash.h"

namespace klaxon {

namespace {

constexpr std::string_view kFrameworkPrefixes[] = {
    "java.",       "javax.",    "jdk.",           "sun.",
    "com.sun.",    "kotlin.",   "scala.",         "org.springframework.",
    "org.apache.", "io.netty.", "com.fasterxml.", "org.hibernate.",
    "com.zaxxer.", "reactor.",  "io.undertow.",   "org.eclipse.jetty."};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '$'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_left(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  return s.substr(i);
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "Caused by: ", "Suppressed: " or "Wrapped by: " (after leading blanks), or empty.
std::string_view chain_prefix(std::string_view line) {
  line = trim_left(line);
  for (std::string_view p : {"Caused by: ", "Suppressed: ", "Wrapped by: "})
    if (starts_with(line, p)) return p;
  return {};
}

// The exception class when `line` is an exception header (prefix included), else empty.
std::string_view header_class(std::string_view line) {
  line = trim_left(line);
  line.remove_prefix(chain_prefix(line).size());
  size_t end = 0;
  while (end < line.size() && (is_word(line[end]) || line[end] == '.')) ++end;
  std::string_view name = line.substr(0, end);
  std::string_view rest = trim(line.substr(end));
  if (!rest.empty() && rest[0] != ':') return {};
  // Segments: each non-empty, starting with [a-zA-Z_$]; at least two; the last capitalised.
  size_t segments = 0;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view seg = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (seg.empty() || is_digit(seg[0])) return {};
    ++segments;
    if (dot == std::string_view::npos) {
      if (segments < 2 || !(seg[0] >= 'A' && seg[0] <= 'Z')) return {};
      return name;
    }
    start = dot + 1;
  }
}

// The frame name of an "at pkg.Class.method(" line, else empty.
std::string_view frame_name(std::string_view line) {
  line = trim_left(line);
  if (!starts_with(line, "at") || line.size() < 3 || !is_blank(line[2])) return {};
  line = trim_left(line.substr(2));
  size_t end = 0;
  while (end < line.size() && line[end] != '(' && !is_blank(line[end])) ++end;
  if (end == 0 || end >= line.size() || line[end] != '(') return {};
  return line.substr(0, end);
}

// Removes "0x" + hex digits and canonical UUIDs (8-4-4-4-12 hex) from `s`.
std::string remove_hex_and_uuids(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '0' && i + 2 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
        is_hex(s[i + 2]) && (i == 0 || !is_word(s[i - 1]) || s[i - 1] == '$')) {
      i += 2;
      while (i < s.size() && is_hex(s[i])) ++i;
      continue;
    }
    if (i + 36 <= s.size()) {
      static constexpr int kGroups[] = {8, 4, 4, 4, 12};
      size_t j = i;
      bool uuid = true;
      for (int g = 0; g < 5 && uuid; ++g) {
        for (int k = 0; k < kGroups[g] && uuid; ++k, ++j) uuid = is_hex(s[j]);
        if (uuid && g < 4) uuid = s[j++] == '-';
      }
      if (uuid) {
        i = j;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

std::string_view strip_trailing_digits(std::string_view s) {
  while (!s.empty() && is_digit(s.back())) s.remove_suffix(1);
  return s;
}

// Normalises one '.'-separated segment of a frame name (see step 4 above).
std::string normalize_segment(std::string_view seg) {
  std::string out;
  bool leading_dollar = !seg.empty() && seg[0] == '$';
  size_t start = leading_dollar ? 1 : 0;
  bool first = true;
  while (start <= seg.size()) {
    size_t d = seg.find('$', start);
    std::string_view part = seg.substr(start, d == std::string_view::npos ? d : d - start);
    start = d == std::string_view::npos ? seg.size() + 1 : d + 1;
    if (part.empty() || all_digits(part)) continue;
    if (starts_with(part, "Proxy") || starts_with(part, "proxy") || starts_with(part, "Generated"))
      part = strip_trailing_digits(part);
    if (!first || leading_dollar) out.push_back('$');
    out.append(part);
    first = false;
    if (part == "ByteBuddy" || part == "HibernateProxy" || part == "MockitoMock") break;
  }
  return out;
}

std::string normalize_frame(std::string_view name) {
  // Module or class-loader prefix: the last '/' before any '$'.
  size_t dollar = name.find('$');
  size_t slash = name.substr(0, dollar).rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);

  // "$$..." up to the next '.' (the method name follows it).
  std::string s;
  s.reserve(name.size());
  size_t i = 0;
  while (i < name.size()) {
    size_t dd = name.find("$$", i);
    if (dd == std::string_view::npos) {
      s.append(name.substr(i));
      break;
    }
    s.append(name.substr(i, dd - i));
    size_t dot = name.find('.', dd);
    i = dot == std::string_view::npos ? name.size() : dot;
  }
  s = remove_hex_and_uuids(s);

  std::string out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view seg =
        std::string_view(s).substr(start, dot == std::string::npos ? dot : dot - start);
    start = dot == std::string::npos ? s.size() + 1 : dot + 1;
    std::string n = normalize_segment(seg);
    if (n.empty()) continue;
    if (!out.empty()) out.push_back('.');
    out += n;
  }
  return out;
}

bool is_framework(std::string_view frame) {
  for (auto p : kFrameworkPrefixes)
    if (starts_with(frame, p)) return true;
  return false;
}

// Step 7: the words of the first line that contain a letter and no digit, one space apart.
std::string normalize_line(std::string_view first_line) {
  std::string cleaned = remove_hex_and_uuids(first_line);
  std::string_view line = cleaned;
  auto word_char = [](char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
  };
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    if (!word_char(line[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    bool digit = false;
    bool letter = false;
    for (; end < line.size() && word_char(line[end]); ++end) {
      digit = digit || is_digit(line[end]);
      letter = letter || is_alpha(line[end]);
    }
    if (letter && !digit) {
      if (!out.empty()) out.push_back(' ');
      out.append(line.substr(i, end - i));
    }
    i = end;
  }
  return out;
}

// True when normalize_frame would return `name` unchanged (the common frame: no '$', '/',
// '-' or "0x", no empty or all-digit segment, none starting with Proxy/proxy/Generated), so
// it can be used as is, without building a string.
bool normalized_already(std::string_view name) {
  size_t segment_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      std::string_view seg = name.substr(segment_start, i - segment_start);
      if (seg.empty() || all_digits(seg) || starts_with(seg, "Proxy") ||
          starts_with(seg, "proxy") || starts_with(seg, "Generated"))
        return false;
      segment_start = i + 1;
      continue;
    }
    const char c = name[i];
    if (c == '$' || c == '/' || c == '-') return false;
    if ((c == 'x' || c == 'X') && i > 0 && name[i - 1] == '0') return false;
  }
  return true;
}

// The message's lines, one at a time, without copying (a trailing '\r' dropped).
class Lines {
 public:
  explicit Lines(std::string_view message) : rest_(message) {}
  bool next(std::string_view& line) {
    if (done_) return false;
    size_t nl = rest_.find('\n');
    line = rest_.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (nl == std::string_view::npos) {
      done_ = true;
    } else {
      rest_.remove_prefix(nl + 1);
    }
    return true;
  }
  static std::string_view first(std::string_view message) {
    std::string_view line;
    Lines(message).next(line);
    return line;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Steps 1 to 5 over `message`: calls on_class(exception class) when there is one, then
// on_frame(normalised frame, is framework) for frames in order until it returns false.
// Returns whether there was a header or a frame (else step 7 applies). A frame's view
// lives until the next call.
template <typename OnClass, typename OnFrame>
bool walk_trace(std::string_view message, OnClass&& on_class, OnFrame&& on_frame) {
  // The outermost header: the first unprefixed one after the log line (or line 0 when a
  // frame follows it); otherwise the first "Caused by:" one.
  Lines lines(message);
  std::string_view line;
  std::string_view cls;
  std::string_view caused_by;
  Lines frames(message);  // where the outermost exception's frames start: after line 0,
  frames.next(line);      // or after its header
  for (bool first_line = true; lines.next(line); first_line = false) {
    std::string_view header = header_class(line);
    if (header.empty()) continue;
    if (first_line) {
      Lines peek = lines;
      std::string_view second;
      if (!peek.next(second) || frame_name(second).empty()) continue;
    }
    std::string_view prefix = chain_prefix(line);
    if (prefix.empty()) {
      cls = header;
      frames = lines;
      break;
    }
    if (prefix == "Caused by: " && caused_by.empty()) caused_by = header;
  }
  if (cls.empty()) cls = caused_by;
  if (!cls.empty()) on_class(cls);

  // Frames are normalised only until enough are found: a trace has up to hundreds, and
  // normalising is most of the cost of a fingerprint.
  bool any_frame = false;
  std::string normalized;
  while (frames.next(line)) {
    if (!chain_prefix(line).empty()) break;
    std::string_view name = frame_name(line);
    if (name.empty()) continue;
    any_frame = true;
    std::string_view frame = name;
    if (!normalized_already(name)) {
      normalized = normalize_frame(name);
      frame = normalized;
    }
    if (!on_frame(frame, is_framework(frame))) break;
  }
  return !cls.empty() || any_frame;
}

}  // namespace

Fingerprint fingerprint(std::string_view message, size_t max_frames) {
  Fingerprint fp;
  std::vector<std::string> first_frames;  // the fallback when all are framework frames
  const bool trace = walk_trace(
      message, [&](std::string_view cls) { fp.exception_class = std::string(cls); },
      [&](std::string_view frame, bool framework) {
        if (first_frames.size() < max_frames) first_frames.emplace_back(frame);
        if (!framework && fp.top_frames.size() < max_frames) fp.top_frames.emplace_back(frame);
        return fp.top_frames.size() < max_frames;
      });
  if (!trace) {
    fp.hash = hex64(fnv1a64(normalize_line(Lines::first(message))));
    return fp;
  }
  if (fp.top_frames.empty()) fp.top_frames = std::move(first_frames);

  uint64_t h = fnv1a64(fp.exception_class);
  h = fnv1a64("\n", h);
  for (size_t i = 0; i < fp.top_frames.size(); ++i) {
    if (i > 0) h = fnv1a64("\n", h);
    h = fnv1a64(fp.top_frames[i], h);
  }
  fp.hash = hex64(h);
  return fp;
}

// The same hash as fingerprint(), hashed as the frames are found: no strings are built
// for frames that need no normalising (the group key of every stack-trace event).
std::string fingerprint_hash(std::string_view message, size_t max_frames) {
  // Two candidate hashes: over the non-framework frames, and over the first frames (used
  // when no frame is an application frame).
  uint64_t top = fnv1a64({});
  size_t top_count = 0;
  uint64_t first = top;
  size_t first_count = 0;
  const bool trace = walk_trace(
      message,
      [&](std::string_view cls) {
        top = fnv1a64(cls);
        first = top;
      },
      [&](std::string_view frame, bool framework) {
        if (first_count < max_frames) {
          first = fnv1a64("\n", first);
          first = fnv1a64(frame, first);
          ++first_count;
        }
        if (!framework && top_count < max_frames) {
          top = fnv1a64("\n", top);
          top = fnv1a64(frame, top);
          ++top_count;
        }
        return top_count < max_frames;
      });
  if (!trace) return hex64(fnv1a64(normalize_line(Lines::first(message))));
  uint64_t h = top_count > 0 ? top : first;
  if ((top_count > 0 ? top_count : first_count) == 0) h = fnv1a64("\n", h);
  return hex64(h);
}

}  // namespace klaxon
