// LoadError: a problem in a file a user wrote (config or rules), found at load time.
// Thrown only at the edges (loading, start-up); the hot path returns error values.
// what() reads "FILE:LINE:COLUMN: KEY: what is wrong" (as editors and CI annotations expect);
// several problems are joined by newlines.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace klaxon {

struct Problem {
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  std::string key;   // dotted key path, e.g. "rules[2].filter.tags"
  std::string what;  // what is wrong, in words
  int column = 0;    // 1-based; 0 when unknown

  std::string to_string() const;
};

class LoadError : public std::runtime_error {
 public:
  explicit LoadError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

}  // namespace klaxon
