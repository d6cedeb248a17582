// Rule files on disk: which files load_rules(path) reads, and a snapshot of them (size,
// mtime, content hash) that tells whether they changed.
//
// The choice of files mirrors load_rules: the path itself when it is not a directory,
// otherwise every `*.yaml` / `*.yml` entry of the directory that is not hidden (no leading
// dot, so ConfigMap internals such as `..data` are skipped) and is a regular file once
// symlinks are followed, sorted by name. The watcher and the reloader use it so they look at
// exactly what the loader reads.
// Pure functions over the file system; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

struct RuleFileState {
  std::string path;
  bool readable = false;      // false: missing or unreadable (then the rest is zero)
  uint64_t size = 0;          // of the file a symlink points to
  int64_t mtime_ns = 0;       // likewise
  uint64_t content_hash = 0;  // FNV-1a of the bytes

  bool operator==(const RuleFileState&) const = default;
};

struct RulesSnapshot {
  std::vector<RuleFileState> files;  // in load order

  // Equal snapshots: same files, sizes, times and contents.
  bool operator==(const RulesSnapshot&) const = default;
  // Over names and contents only (not times): equal when the loader would read the same
  // bytes from the same files.
  uint64_t content_hash() const;
};

// True when a directory entry of this name is a rule file candidate (the loader also
// requires it to be a regular file).
bool is_rule_file_name(std::string_view name);

// The files load_rules(path) would read. A path that is not a directory is returned as is,
// even when it does not exist (its snapshot then says unreadable).
std::vector<std::string> list_rule_files(const std::string& path);

// Stats and reads every rule file under `path` (whole, to hash it).
RulesSnapshot snapshot_rule_files(const std::string& path);

}  // namespace klaxon
