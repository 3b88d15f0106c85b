#pragma once
// Reading the files a directory walk found, on two threads: parsing each name, reading and
// checksumming the file. Private to src/resolve*.
#include <string>
#include <string_view>
#include <vector>

#include "strata/resolve.hpp"

namespace strata::resolve_detail {

// One directory entry that is not a directory, as the walk found it. What it points to belongs
// to the walk, which reads its directory's jobs before it leaves the directory.
struct FileJob {
  int dir_fd = -1;               // its directory, open until the job is read
  std::string_view name;         // its name in that directory
  const std::string* dir = nullptr;  // the directory as the location's path names it
  const std::string* rel = nullptr;  // the directory relative to the location: "" or "sub/"
  bool configured = false;       // `name`.conf is beside it
  bool listed_regular = false;   // the listing's d_type says a regular file (not a link)
};

// Reads `jobs`, appending the migrations and callbacks among them to `out` and `callbacks` in job
// order. A name that looks like neither is skipped. Throws the error of the first job (in job
// order) that failed, as a one-by-one scan would.
void read_jobs(const std::vector<FileJob>& jobs, const NamingRules& naming, std::vector<ResolvedMigration>& out,
               std::vector<ResolvedCallback>& callbacks);

// How many threads read_jobs uses for `jobs` files: one for a few, else two (the machine's
// second core; the first one is connecting meanwhile).
unsigned reader_threads(std::size_t jobs);

}  // namespace strata::resolve_detail
