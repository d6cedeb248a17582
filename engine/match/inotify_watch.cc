#include "match/inotify_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "match/rule_files.h"

namespace klaxon {

namespace {

namespace fs = std::filesystem;

// Kubernetes mounts a ConfigMap as symlinks into `..data`, itself a symlink to a timestamped
// directory; an update writes a new directory and renames a new `..data` over the old one.
constexpr std::string_view kConfigMapData = "..data";

constexpr uint32_t kDirMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                              IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kFileMask =
    IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

std::system_error inotify_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

// A missing path is expected (a file deleted between listing and watching it, a directory
// not there yet); anything else (ENOSPC: the watch limit) means inotify cannot do the job.
bool is_missing(int error) { return error == ENOENT || error == ENOTDIR; }

}  // namespace

InotifyWatch::InotifyWatch(std::string rules_path) : rules_path_(std::move(rules_path)) {
  std::error_code ec;
  if (fs::is_directory(rules_path_, ec)) {
    dir_ = rules_path_;
  } else {
    fs::path p(rules_path_);
    dir_ = p.has_parent_path() ? p.parent_path().string() : ".";
    file_name_ = p.filename().string();
  }
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw inotify_error("inotify_init1");
  try {
    refresh();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

InotifyWatch::~InotifyWatch() { ::close(fd_); }

void InotifyWatch::refresh() {
  if (dir_wd_ < 0) {
    dir_wd_ = inotify_add_watch(fd_, dir_.c_str(), kDirMask);
    if (dir_wd_ < 0 && !is_missing(errno)) throw inotify_error("inotify_add_watch " + dir_);
  }
  std::set<int> wds;
  for (const auto& file : list_rule_files(rules_path_)) {
    int wd = inotify_add_watch(fd_, file.c_str(), kFileMask);
    if (wd >= 0 && wd != dir_wd_)
      wds.insert(wd);
    else if (wd < 0 && !is_missing(errno))
      throw inotify_error("inotify_add_watch " + file);
  }
  // Watches of files that are no longer rule files go; the IN_IGNORED each removal queues
  // then names a forgotten watch and is not taken for a change.
  for (int wd : file_wds_)
    if (!wds.contains(wd)) inotify_rm_watch(fd_, wd);
  file_wds_ = std::move(wds);
}

bool InotifyWatch::read_events() {
  alignas(inotify_event) char buffer[16 * 1024];
  bool relevant = false;
  for (;;) {
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return relevant;
    if (n <= 0) throw inotify_error("read inotify events");
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
      relevant |= concerns_rules(e->wd, e->mask, e->len > 0 ? e->name : "");
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
}

bool InotifyWatch::concerns_rules(int wd, uint32_t mask, const char* name) {
  if (mask & IN_Q_OVERFLOW) return true;  // events were lost: assume the worst
  if (wd == dir_wd_) {
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
      // The directory is gone from its path; refresh() re-adds it when it is back.
      if (!(mask & IN_IGNORED)) inotify_rm_watch(fd_, dir_wd_);
      dir_wd_ = -1;
      return true;
    }
    std::string_view n(name);
    if (n == kConfigMapData) return true;
    return file_name_.empty() ? is_rule_file_name(n) : n == file_name_;
  }
  if (!file_wds_.contains(wd)) return false;   // a watch refresh() removed
  if (mask & IN_IGNORED) file_wds_.erase(wd);  // the file is gone (or moved)
  return true;
}

}  // namespace klaxon
