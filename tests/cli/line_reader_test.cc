#include "cli/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace klaxon {
namespace {

// The lines of `text` as LineReader gives them through a pipe, written in `chunk`-byte
// writes and read in `block`-byte reads.
std::vector<std::string> lines_of(const std::string& text, size_t block, size_t chunk = 7,
                                  size_t max_line = 64 << 20) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    for (size_t i = 0; i < text.size(); i += chunk) {
      size_t n = std::min(chunk, text.size() - i);
      EXPECT_EQ(write(fds[1], text.data() + i, n), static_cast<ssize_t>(n));
    }
    close(fds[1]);
  });
  LineReader reader(fds[0], block, max_line);
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

// A line past the limit comes cut to limit + 1 bytes (the caller sees it is too long), the
// rest of it is skipped, and the lines after it come whole; the buffer never holds it all.
TEST(LineReader, ALineBeyondTheLimitIsCutAndTheRestSkipped) {
  std::string huge(1'000'000, 'z');
  for (size_t block : {16, 4096})
    for (size_t chunk : {3, 65536}) {
      std::vector<std::string> got =
          lines_of("ok\n" + huge + "\nafter\n" + huge, block, chunk, 1000);
      ASSERT_EQ(got.size(), 4u) << block << " " << chunk;
      EXPECT_EQ(got[0], "ok");
      EXPECT_EQ(got[1], std::string(1001, 'z'));
      EXPECT_EQ(got[2], "after");
      EXPECT_EQ(got[3], std::string(1001, 'z')) << "a cut last line without a newline";
    }
  EXPECT_EQ(lines_of(std::string(1000, 'y') + "\n", 64, 7, 1000),
            std::vector<std::string>{std::string(1000, 'y')})
      << "exactly the limit is whole";
}

TEST(LineReader, EmptyInputAndOnlyNewlines) {
  EXPECT_TRUE(lines_of("", 16).empty());
  EXPECT_EQ(lines_of("\n\n", 16), (std::vector<std::string>{"", ""}));
}

}  // namespace
}  // namespace klaxon
