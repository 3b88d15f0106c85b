#include "resolve/read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "strata/error.hpp"

namespace strata::resolve_detail {
namespace {

[[noreturn]] void fail(const std::string& file, const std::string& message, int line = 0) {
  InputError e(message);
  e.file = file;
  e.line = line;
  throw e;
}

// Readers of BufferedReader.readLine count "\r\n" as one line end and a lone '\r' as one.
int line_of(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') ++line;
    else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) ++line;
  }
  return line;
}

// Reads of at most this size: the checksum of each piece is taken while it is still in cache.
constexpr std::size_t kPiece = std::size_t{1} << 20;

}  // namespace

// Files are opened relative to their directory's descriptor: the kernel then walks one path
// component per call instead of the whole path, which is most of the cost of a scan.
std::string read_whole_file(int dir_fd, const char* name, const std::string& path, FlywayChecksum* checksum) {
  // O_NONBLOCK: a FIFO with a migration name must not hang the scan; it is refused below.
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(path, "cannot read migration " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail(path, "cannot read migration " + path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "cannot read migration " + path + ": not a regular file");
  }
  std::string data;
  try {
    data = read_open_file(fd, static_cast<std::size_t>(st.st_size), path, checksum);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return data;
}

// A regular file's read returns fewer bytes than asked for only at its end, so a read short of
// the request ends the file without the extra read that would return 0: four system calls per
// file (open, fstat, read, close). The buffer has room for one byte more than fstat said, so a
// file that grew since is noticed and read on.
std::string read_open_file(int fd, std::size_t size_hint, const std::string& path, FlywayChecksum* checksum) {
  std::string data;
  data.resize(size_hint + 1);
  std::size_t have = 0;
  for (;;) {
    if (have == data.size()) data.resize(data.size() * 2);
    const std::size_t want = std::min(kPiece, data.size() - have);
    const ssize_t r = ::read(fd, data.data() + have, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot read migration " + path + ": " + std::strerror(errno));
    }
    if (r == 0) break;
    if (checksum) checksum->update(std::string_view(data.data() + have, static_cast<std::size_t>(r)));
    have += static_cast<std::size_t>(r);
    if (static_cast<std::size_t>(r) < want) break;
  }
  data.resize(have);
  return data;
}

std::string read_migration_text(int dir_fd, const std::string& name, const std::string& path, const std::string& rel,
                                FlywayChecksum* checksum) {
  // `script` is stored as text; the file name itself was checked by parse_migration_name.
  if (find_invalid_utf8(rel) != std::string_view::npos) {
    fail(path, "migration path " + path + " is not valid UTF-8: rename its folders");
  }
  std::string sql = read_whole_file(dir_fd, name.c_str(), path, checksum);
  if (const std::size_t bad = find_invalid_utf8(sql); bad != std::string_view::npos) {
    const int line = line_of(sql, bad);
    fail(path,
         "invalid UTF-8 in " + path + " at byte offset " + std::to_string(bad) + " (line " + std::to_string(line) +
             "): migrations must be UTF-8 encoded",
         line);
  }
  // PostgreSQL rejects NUL in query text, and C strings end at it: a migration would be cut
  // short and still recorded as applied.
  if (const std::size_t nul = sql.find('\0'); nul != std::string::npos) {
    const int line = line_of(sql, nul);
    fail(path,
         "NUL byte in " + path + " at byte offset " + std::to_string(nul) + " (line " + std::to_string(line) +
             "): a migration must be text",
         line);
  }
  return sql;
}

}  // namespace strata::resolve_detail
