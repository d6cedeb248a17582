// LineReader: the lines of a file or of standard input, read in large blocks (one read(2)
// per MiB, not a stdio call per character), so a backtest piped through `--input -` runs as
// fast as one reading the file. A final line without a newline counts; a line longer than
// the block grows the buffer, up to `max_line`: a longer one (a binary file, /dev/zero) is
// returned cut to max_line + 1 bytes, so the caller sees it is too long, and the rest of it
// is skipped. Memory stays bounded whatever the input. Lines keep their '\r'.
// Thread: one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace klaxon {

class LineReader {
 public:
  // Reads `fd` (not closed here). `block` is the size of each read.
  LineReader(int fd, size_t block = 1 << 20, size_t max_line = 64 << 20);

  // The next line without its '\n'; false at the end. The view is valid until the next
  // call. Throws std::system_error when a read fails.
  bool next(std::string_view& line);
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool fill();               // reads one more block; false at the end of the input
  bool skip_rest_of_line();  // false at the end of the input

  int fd_;
  size_t block_;
  size_t max_line_;
  bool skipping_ = false;  // inside a line that was cut
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;  // unconsumed bytes
  bool eof_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace klaxon
