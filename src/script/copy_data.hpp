#pragma once
// The inline rows of a COPY ... FROM STDIN, as psql reads them from a script: from the line after
// the statement up to a line that is only `\.`. Private to src/script*.
#include <cstddef>
#include <string_view>

namespace strata::script_detail {

struct CopyRows {
  std::size_t begin = 0;   // first byte of the first row
  std::size_t end = 0;     // first byte of the `\.` line
  std::size_t resume = 0;  // where the script goes on after the `\.` line
  std::string_view problem;  // non-empty: the rows cannot be read (offset `problem_at`)
  std::size_t problem_at = 0;
};

// `statement` is where the COPY starts, `after` the offset right after its ';'.
CopyRows find_copy_rows(std::string_view text, std::size_t statement, std::size_t after);

}  // namespace strata::script_detail
