// InotifyWatch: the inotify half of RulesWatcher. It watches
//  - the rules directory (for a single rule file: the directory that holds it), so that
//    in-place writes, a temp file renamed into place (editors, `mv`), created and deleted
//    files, and a Kubernetes ConfigMap update (the `..data` symlink replaced by rename) are
//    seen whatever happens to the files' inodes;
//  - each rule file itself, through symlinks, so that in-place edits of a symlink's target
//    elsewhere (or of a bind-mounted single file) are seen too.
// It decides which events are about the rules: only events naming a rule file (or, for a
// single-file path, that file) or `..data` count; swap files, `foo.txt` and the like do not.
//
// Thread: one thread (the watcher's) uses it. Owns the inotify descriptor.
#pragma once

#include <set>
#include <string>

namespace klaxon {

class InotifyWatch {
 public:
  // Throws std::system_error when inotify cannot be used (no inotify, watch or instance
  // limit reached). A directory that does not exist yet is not an error: see refresh().
  explicit InotifyWatch(std::string rules_path);
  ~InotifyWatch();
  InotifyWatch(const InotifyWatch&) = delete;
  InotifyWatch& operator=(const InotifyWatch&) = delete;

  // Non-blocking; readable when events are pending.
  int fd() const { return fd_; }

  // Reads the pending events; true when at least one concerns the rules. A lost directory
  // watch (the directory was deleted or moved away) counts. Throws std::system_error.
  bool read_events();

  // Brings the watches up to date after a change: re-adds the directory watch if it was
  // lost and it exists again, and watches the rule files as they are now. Throws
  // std::system_error when the watch limit is reached.
  void refresh();

  // False while the directory is missing (deleted, moved away, not created yet).
  bool watching_directory() const { return dir_wd_ >= 0; }

 private:
  bool concerns_rules(int wd, uint32_t mask, const char* name);

  std::string rules_path_;
  std::string dir_;        // the directory watched
  std::string file_name_;  // for a single-file path, its name in dir_; empty otherwise
  int fd_ = -1;
  int dir_wd_ = -1;
  std::set<int> file_wds_;
};

}  // namespace klaxon
