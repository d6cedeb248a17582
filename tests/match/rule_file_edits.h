// How rule files really get changed, for the watcher and reloader tests: in-place writes,
// a temp file renamed into place, and Kubernetes ConfigMap updates.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace klaxon::test {

namespace fs = std::filesystem;

// Truncates and rewrites the file in place (same inode), as `echo > f` or `cp` do.
void write_in_place(const fs::path& file, std::string_view text);

// Writes a temp file beside it, then renames it over the file (new inode), as editors and
// `mv` do.
void write_and_rename(const fs::path& file, std::string_view text);

// A ConfigMap volume as kubelet lays it out: `..<version>/<name>` holds the data, `..data`
// points to the current version, and `<name>` points into `..data`.
class ConfigMapDir {
 public:
  ConfigMapDir(fs::path dir, std::string name, std::string_view text);
  // Writes the new version, renames a fresh `..data` over the old one, removes the old
  // version: kubelet's atomic update.
  void update(std::string_view text);
  fs::path file() const { return dir_ / name_; }

 private:
  void write_version(std::string_view text);

  fs::path dir_;
  std::string name_;
  int version_ = 0;
};

}  // namespace klaxon::test
