#include "app/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace klaxon {
namespace {

// The lines of `text` as LineReader gives them through a pipe, written in `chunk`-byte
// writes and read in `block`-byte reads.
std::vector<std::string> lines_of(const std::string& text, size_t block, size_t chunk = 7) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    for (size_t i = 0; i < text.size(); i += chunk) {
      size_t n = std::min(chunk, text.size() - i);
      EXPECT_EQ(write(fds[1], text.data() + i, n), static_cast<ssize_t>(n));
    }
    close(fds[1]);
  });
  LineReader reader(fds[0], block);
  std::vector<std::string> out;
  std::string_view line;
  while (reader.next(line)) out.emplace_back(line);
  writer.join();
  EXPECT_EQ(reader.bytes_read(), text.size());
  close(fds[0]);
  return out;
}

TEST(LineReader, LinesAcrossBlocksAndWrites) {
  std::string text = "first\nsecond line\n\nthird\r\nlast without newline";
  std::vector<std::string> want = {"first", "second line", "", "third\r", "last without newline"};
  for (size_t block : {1, 2, 3, 5, 8, 64, 1 << 20})
    for (size_t chunk : {1, 4, 100}) EXPECT_EQ(lines_of(text, block, chunk), want) << block;
}

TEST(LineReader, ALineLongerThanTheBlockGrowsTheBuffer) {
  std::string big(100'000, 'x');
  std::vector<std::string> got = lines_of("a\n" + big + "\nb\n", 4096, 1000);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "a");
  EXPECT_EQ(got[1], big);
  EXPECT_EQ(got[2], "b");
}

TEST(LineReader, EmptyInputAndOnlyNewlines) {
  EXPECT_TRUE(lines_of("", 16).empty());
  EXPECT_EQ(lines_of("\n\n", 16), (std::vector<std::string>{"", ""}));
}

}  // namespace
}  // namespace klaxon
