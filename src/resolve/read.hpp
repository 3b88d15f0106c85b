#pragma once
// Reading a migration's file for resolve: the bytes, checked to be UTF-8 text. Private to
// src/resolve*.
#include <string>
#include <string_view>

#include "strata/checksum.hpp"

namespace strata::resolve_detail {

// `dir` and `name` with one '/' between them, as the walk builds a file's path.
std::string join_path(std::string_view dir, std::string_view name);

// The whole file `name` in the directory `dir_fd` (`path` names it in errors). Refuses what is
// not a regular file (a FIFO must not hang the scan). `checksum`, when given, is fed the bytes as
// they are read. `listed_regular`: the directory listing says it is a regular file, so a small
// one is read without asking fstat. Throws InputError.
std::string read_whole_file(int dir_fd, const char* name, const std::string& path, FlywayChecksum* checksum = nullptr,
                            bool listed_regular = false);

// The rest of the open file `fd`, `size_hint` bytes as far as fstat knew (a file that grew or
// shrank since is still read whole). Does not close `fd`. Throws InputError naming `path`.
std::string read_open_file(int fd, std::size_t size_hint, const std::string& path, FlywayChecksum* checksum = nullptr);

// The file's text, checked to be UTF-8 without NUL bytes, its relative path `rel` too.
std::string read_migration_text(int dir_fd, const std::string& name, const std::string& path, const std::string& rel,
                                FlywayChecksum* checksum = nullptr, bool listed_regular = false);

}  // namespace strata::resolve_detail
