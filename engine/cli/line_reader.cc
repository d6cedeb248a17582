#include "cli/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace klaxon {

LineReader::LineReader(int fd, size_t block, size_t max_line)
    : fd_(fd), block_(block), max_line_(max_line), buffer_(2 * block) {
  // A pipe holds 64 KiB by default: the writer and this reader would take turns every
  // 64 KiB. A pipe as large as a block lets each read take a whole block (best effort:
  // Linux allows up to /proc/sys/fs/pipe-max-size, 1 MiB by default, without privileges).
  struct stat st {};
  if (fstat(fd_, &st) == 0 && S_ISFIFO(st.st_mode))
    fcntl(fd_, F_SETPIPE_SZ, static_cast<int>(std::min<size_t>(block_, 1 << 20)));
}

bool LineReader::fill() {
  if (eof_) return false;
  // Keep the unconsumed tail (the start of a line) at the front, room for a block after it.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < block_) buffer_.resize(end_ + block_);
  for (;;) {
    ssize_t n = ::read(fd_, buffer_.data() + end_, block_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read");
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
    return true;
  }
}

bool LineReader::skip_rest_of_line() {
  for (;;) {
    const void* nl = std::memchr(buffer_.data() + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      begin_ = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data()) + 1;
      skipping_ = false;
      return true;
    }
    begin_ = end_;
    if (!fill()) return false;
  }
}

bool LineReader::next(std::string_view& line) {
  if (skipping_ && !skip_rest_of_line()) return false;
  size_t searched = begin_;
  for (;;) {
    const char* start = buffer_.data() + searched;
    const void* nl = std::memchr(start, '\n', end_ - searched);
    if (nl != nullptr) {
      size_t at = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data());
      line = std::string_view(buffer_.data() + begin_, at - begin_);
      begin_ = at + 1;
      return true;
    }
    if (end_ - begin_ > max_line_) {  // cut: the caller sees a line longer than it takes
      line = std::string_view(buffer_.data() + begin_, max_line_ + 1);
      begin_ += max_line_ + 1;
      skipping_ = true;
      return true;
    }
    size_t consumed_before = begin_;
    searched = end_;
    if (!fill()) break;
    searched -= consumed_before;  // fill() moved the tail to the front
  }
  if (begin_ == end_) return false;
  line = std::string_view(buffer_.data() + begin_, end_ - begin_);  // no final newline
  begin_ = end_;
  return true;
}

}  // namespace klaxon
