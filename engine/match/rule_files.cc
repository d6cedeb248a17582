#include "match/rule_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/hash.h"

namespace klaxon {

namespace fs = std::filesystem;

namespace {

RuleFileState state_of(const std::string& path) {
  RuleFileState s;
  s.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return s;
  std::ifstream in(path, std::ios::binary);
  if (!in) return s;
  uint64_t hash = kFnvOffset;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    hash = fnv1a64(std::string_view(buffer, static_cast<size_t>(in.gcount())), hash);
  if (in.bad()) return s;
  s.readable = true;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.content_hash = hash;
  return s;
}

}  // namespace

bool is_rule_file_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::vector<std::string> list_rule_files(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    std::error_code type_ec;
    if (is_rule_file_name(e.path().filename().string()) && e.is_regular_file(type_ec))
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

RulesSnapshot snapshot_rule_files(const std::string& path) {
  RulesSnapshot snapshot;
  for (const auto& file : list_rule_files(path)) snapshot.files.push_back(state_of(file));
  return snapshot;
}

uint64_t RulesSnapshot::content_hash() const {
  uint64_t h = kFnvOffset;
  for (const auto& f : files) {
    h = fnv1a64(f.path, h);
    h = fnv1a64(f.readable ? std::string_view("\1", 1) : std::string_view("\0", 1), h);
    h = fnv1a64(hex64(f.content_hash), h);
    h = fnv1a64("\n", h);
  }
  return h;
}

}  // namespace klaxon
