// LineReader: the lines of a file or of standard input, read in large blocks (one read(2)
// per MiB, not a stdio call per character), so a backtest piped through `--input -` runs as
// fast as one reading the file. A final line without a newline counts; a line longer than
// the block grows the buffer. Lines keep their '\r' (callers strip it).
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
  explicit LineReader(int fd, size_t block = 1 << 20);

  // The next line without its '\n'; false at the end. The view is valid until the next
  // call. Throws std::system_error when a read fails.
  bool next(std::string_view& line);
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool fill();  // reads one more block; false at the end of the input

  int fd_;
  size_t block_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;  // unconsumed bytes
  bool eof_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace klaxon
