#include "gen/generator.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/time.h"
#include "gen/catalogue.h"
#include "gen/text_template.h"

namespace klaxon {
namespace {

using gen::Catalogue;
using gen::TextTemplate;
using gen::ThreadKind;
using gen::Var;

constexpr EventKind kAllKinds[] = {
    EventKind::pay_success,    EventKind::pay_failure,     EventKind::debug,   EventKind::error,
    EventKind::error_excluded, EventKind::exception_stack, EventKind::invalid,
};

constexpr double kFailureShare = 0.15;  // of biz lines (non-error, non-debug)

double clamp_ratio(double r) { return r > 0 ? std::min(r, 1.0) : 0.0; }

char* put_uint(char* p, uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

// Writes v as exactly `width` decimal digits (leading zeros; v < 10^width).
char* put_padded(char* p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

char* put_hex(char* p, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = kHex[v & 0xf];
    v >>= 4;
  }
  return p + digits;
}

// Values of the {variables} of one event, each drawn on first use so an event only pays for
// the values its templates reference, and a repeated variable agrees ({order} twice in a trace).
class EventVars {
 public:
  EventVars(std::mt19937_64& rng, const std::string& iso, uint64_t sequence)
      : rng_(rng), iso_(iso), sequence_(sequence) {}

  std::string_view get(Var v) {
    int i = static_cast<int>(v);
    if (!have_[i]) {
      len_[i] = static_cast<uint8_t>(draw(v, buf_[i]) - buf_[i]);
      have_[i] = true;
    }
    return {buf_[i], len_[i]};
  }

  void render(const TextTemplate& t, std::string& out) {
    for (const TextTemplate::Piece& p : t.pieces()) {
      if (p.var < 0)
        out.append(t.literal(p));
      else
        out.append(get(static_cast<Var>(p.var)));
    }
  }

 private:
  char* put_date(char* p) {  // yyyyMMdd of the event
    const char* d = iso_.data();
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) *p++ = d[i];
    return p;
  }

  char* draw(Var v, char* p) {
    switch (v) {
      case Var::order: {
        *p++ = 'P';
        p = put_date(p);
        for (int i : {11, 12, 14, 15, 17, 18}) *p++ = iso_[static_cast<size_t>(i)];
        return put_padded(p, sequence_ % 10000, 4);
      }
      case Var::merchant:
        *p++ = 'M';
        return put_uint(p, 100000 + rng_() % 900);
      case Var::user:
        *p++ = 'U';
        return put_uint(p, 10000000 + rng_() % 90000000);
      case Var::amount: {
        uint64_t cents = 1 + rng_() % 499999;
        p = put_uint(p, cents / 100);
        *p++ = '.';
        return put_padded(p, cents % 100, 2);
      }
      case Var::channel: {
        uint64_t r = rng_() % 100;
        const char* name = r < 50 ? "alipay" : r < 90 ? "wechat" : "unionpay";
        size_t n = std::strlen(name);
        std::memcpy(p, name, n);
        return p + n;
      }
      case Var::cost:
        return put_uint(p, 12 + rng_() % 400);
      case Var::slow:
        return put_uint(p, 3001 + rng_() % 99);
      case Var::trade:
        p = put_date(p);
        p = put_padded(p, rng_() % 10000000000ull, 10);
        return put_padded(p, rng_() % 10000000000ull, 10);
      case Var::attempt:
        return put_uint(p, 1 + rng_() % 5);
      case Var::hex:
        return put_hex(p, rng_(), 8);
      case Var::count:
        break;
    }
    return p;
  }

  std::mt19937_64& rng_;
  const std::string& iso_;
  uint64_t sequence_;
  char buf_[gen::kVarCount][32];
  uint8_t len_[gen::kVarCount] = {};
  bool have_[gen::kVarCount] = {};
};

size_t pick_weighted(const std::vector<int>& cumulative, uint64_t draw) {
  uint64_t r = draw % static_cast<uint64_t>(cumulative.back());
  size_t i = 0;
  while (static_cast<uint64_t>(cumulative[i]) <= r) ++i;
  return i;
}

}  // namespace

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::pay_success:
      return "pay_success";
    case EventKind::pay_failure:
      return "pay_failure";
    case EventKind::debug:
      return "debug";
    case EventKind::error:
      return "error";
    case EventKind::error_excluded:
      return "error_excluded";
    case EventKind::exception_stack:
      return "exception_stack";
    case EventKind::invalid:
      return "invalid";
  }
  return "unknown";
}

std::string GeneratorStats::to_json() const {
  std::string out = "{\"total\":" + std::to_string(total) + ",\"by_kind\":{";
  bool first = true;
  for (EventKind k : kAllKinds) {
    auto it = by_kind.find(k);
    if (!first) out += ',';
    first = false;
    out += '"';
    out += to_string(k);
    out += "\":";
    out += std::to_string(it == by_kind.end() ? 0 : it->second);
  }
  out += "},\"stack_by_bug\":{";
  first = true;
  for (const auto& [bug, n] : stack_by_bug) {
    if (!first) out += ',';
    first = false;
    out += '"';
    gen::append_json_escaped(out, bug);
    out += "\":";
    out += std::to_string(n);
  }
  out += "}}";
  return out;
}

Generator::Generator(GeneratorOptions options) : options_(options), rng_(options.seed) {
  options_.error_ratio = clamp_ratio(options_.error_ratio);
  options_.stack_ratio = clamp_ratio(options_.stack_ratio);
  options_.exclude_ratio = clamp_ratio(options_.exclude_ratio);
  options_.debug_ratio = clamp_ratio(options_.debug_ratio);
  options_.invalid_ratio = clamp_ratio(options_.invalid_ratio);
  options_.hosts = std::clamp(options_.hosts, 1, 99);
  options_.trace_lines = std::max(options_.trace_lines, 0);
  catalogue_ = Catalogue::build(options_.hosts);
  message_.reserve(16 * 1024);
}

size_t Generator::bug_count() { return gen::bug_specs().size(); }

double Generator::unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

uint64_t Generator::below(uint64_t n) { return rng_() % n; }

EventKind Generator::pick_kind() {
  if (unit() < options_.error_ratio) {
    if (unit() < options_.stack_ratio) return EventKind::exception_stack;
    return unit() < options_.exclude_ratio ? EventKind::error_excluded : EventKind::error;
  }
  if (unit() < options_.debug_ratio) return EventKind::debug;
  return unit() < kFailureShare ? EventKind::pay_failure : EventKind::pay_success;
}

void Generator::set_time(int64_t timestamp_ms) {
  int64_t second = timestamp_ms >= 0 ? timestamp_ms / 1000 : (timestamp_ms - 999) / 1000;
  if (!iso_valid_ || second != iso_second_) {
    iso_ = format_timestamp_ms(second * 1000);
    iso_second_ = second;
    iso_valid_ = true;
  }
  put_padded(iso_.data() + 20, static_cast<uint64_t>(timestamp_ms - second * 1000), 3);
}

// Malformed JSON as broken producers write it; every variant still starts with '{'.
void Generator::corrupt(std::string& payload) {
  switch (below(4)) {
    case 0: {  // truncated mid-object, on a UTF-8 character boundary
      size_t cut = payload.size() / 4 + below(payload.size() / 2);
      while ((static_cast<unsigned char>(payload[cut]) & 0xc0) == 0x80) --cut;
      payload.resize(cut);
      break;
    }
    case 1:  // unquoted key: {message:"..."
      payload.erase(9, 1);
      payload.erase(1, 1);
      break;
    case 2:  // trailing garbage after the object
      payload += ",\"@version\":\"1\"}";
      break;
    default:  // missing comma between members
      payload[payload.find(",\"@timestamp\":")] = ' ';
      break;
  }
}

GeneratedEvent Generator::next(int64_t timestamp_ms) {
  set_time(timestamp_ms);
  ++sequence_;
  const Catalogue& cat = *catalogue_;

  const bool invalid = options_.invalid_ratio > 0 && unit() < options_.invalid_ratio;
  const EventKind kind = pick_kind();
  const Catalogue::Host& host = cat.hosts[below(cat.hosts.size())];

  const char* level = "ERROR";
  const char* type = "pay-biz";
  const char* logger;
  ThreadKind thread;
  const TextTemplate* body;
  const TextTemplate* trace = nullptr;
  const gen::BugSpec* bug = nullptr;
  if (kind == EventKind::exception_stack) {
    size_t b = pick_weighted(cat.bug_cumulative_weight, rng_());
    bug = &gen::bug_specs()[b];
    logger = bug->logger;
    thread = bug->thread;
    body = &cat.bug_bodies[b];
    trace = &host.traces[b];
  } else {
    const Catalogue::KindLines& lines = cat.by_kind[static_cast<int>(kind)];
    const Catalogue::Line& line = *lines.lines[pick_weighted(lines.cumulative_weight, rng_())];
    level = line.spec->level;
    type = line.spec->type;
    logger = line.spec->logger;
    thread = line.spec->thread;
    body = &line.body;
  }

  GeneratedEvent e;
  e.kind = invalid ? EventKind::invalid : kind;
  e.key.resize(16);
  put_hex(e.key.data(), rng_(), 16);

  // Spring Boot's default pattern: date time level(%5p) pid --- [thread] logger : message.
  std::string& m = message_;
  m.clear();
  m.append(iso_, 0, 10);
  m += ' ';
  m.append(iso_, 11, 12);
  m += std::strlen(level) < 5 ? "  " : " ";
  m += level;
  m += ' ';
  m += host.pid;
  m += " --- [";
  char num[24];
  switch (thread) {
    case ThreadKind::web:
      m += "http-nio-8080-exec-";
      m.append(num, put_uint(num, 1 + below(200)));
      break;
    case ThreadKind::notify:
      m += "pay-notify-";
      m.append(num, put_uint(num, 1 + below(8)));
      break;
    case ThreadKind::scheduler:
      m += "scheduling-1";
      break;
    case ThreadKind::mq:
      m += "ConsumeMessageThread_";
      m.append(num, put_uint(num, 1 + below(20)));
      break;
  }
  m += "] ";
  m += logger;
  m += " : [reqId=";
  m += e.key;
  m += "] ";
  EventVars vars(rng_, iso_, sequence_);
  vars.render(*body, m);
  if (trace) {
    m += '\n';
    const size_t trace_start = m.size();
    vars.render(*trace, m);
    if (options_.trace_lines > 0) {
      size_t cut = trace_start;
      for (int line = 0; line < options_.trace_lines && cut != std::string::npos; ++line)
        cut = m.find('\n', line == 0 ? cut : cut + 1);
      if (cut != std::string::npos) m.resize(cut);
    }
  }

  // Logstash json codec: one object per line.
  const std::string_view path = std::strcmp(type, "pay-biz") == 0 ? "/data/logs/pay/pay-biz.log"
                                                                  : "/data/logs/pay/pay-debug.log";
  std::string& p = e.payload;
  p.reserve(m.size() + m.size() / 8 + 200);
  p += "{\"message\":\"";
  gen::append_json_escaped(p, m);
  p += "\",\"@timestamp\":\"";
  p += iso_;
  p += "\",\"@version\":\"1\",\"type\":\"";
  p += type;
  p += trace ? "\",\"tags\":[\"exception_stack\"],\"host\":\"" : "\",\"tags\":[],\"host\":\"";
  p += host.name;
  p += "\",\"path\":\"";
  p += path;
  p += "\"}";

  if (invalid) {
    corrupt(p);
  } else if (bug) {
    e.bug = bug->id;
    ++stats_.stack_by_bug[e.bug];
  }
  ++stats_.total;
  ++stats_.by_kind[e.kind];
  return e;
}

}  // namespace klaxon
