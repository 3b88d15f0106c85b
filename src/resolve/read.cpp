#include "resolve/read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
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

// A file first read into this buffer, when it is smaller, costs one read and no fstat.
constexpr std::size_t kFirstRead = std::size_t{64} << 10;

char* first_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer;
  if (!buffer) buffer = std::make_unique<char[]>(kFirstRead);
  return buffer.get();
}

// Appends the rest of the open file `fd` to `data`, expecting `size_hint` bytes in all. A regular
// file's read returns fewer bytes than asked for only at its end, so a short read ends the file
// without the extra read that would return 0. The buffer has room for one byte more than
// expected, so a file that grew since is noticed and read on.
void append_rest(int fd, std::string& data, std::size_t size_hint, const std::string& path, FlywayChecksum* checksum) {
  std::size_t have = data.size();
  data.resize(std::max(size_hint, have) + 1);
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
}

// Refuses what is not a regular file (a FIFO must not hang the scan, nor a device feed it
// forever); returns the size fstat knows.
std::size_t regular_file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, "cannot read migration " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "cannot read migration " + path + ": not a regular file");
  return static_cast<std::size_t>(st.st_size);
}

// The file behind `fd`. With `listed_regular` (the directory listed it as a regular file), a file
// smaller than kFirstRead is read in one read(2) without asking fstat its size; what reads empty
// or fills the buffer is still checked to be regular (a FIFO swapped in reads empty).
std::string read_fd(int fd, bool listed_regular, const std::string& path, FlywayChecksum* checksum) {
  std::string data;
  if (listed_regular) {
    char* buffer = first_read_buffer();
    ssize_t r;
    do {
      r = ::read(fd, buffer, kFirstRead);
    } while (r < 0 && errno == EINTR);
    if (r < 0) fail(path, "cannot read migration " + path + ": " + std::strerror(errno));
    const auto got = static_cast<std::size_t>(r);
    if (checksum) checksum->update(std::string_view(buffer, got));
    data.assign(buffer, got);
    if (got > 0 && got < kFirstRead) return data;
  }
  append_rest(fd, data, regular_file_size(fd, path), path, checksum);
  return data;
}

}  // namespace

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

// Files are opened relative to their directory's descriptor: the kernel then walks one path
// component per call instead of the whole path, which is most of the cost of a scan.
std::string read_whole_file(int dir_fd, const char* name, const std::string& path, FlywayChecksum* checksum,
                            bool listed_regular) {
  // O_NONBLOCK: a FIFO with a migration name must not hang the scan; it is refused.
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) fail(path, "cannot read migration " + path + ": " + std::strerror(errno));
  std::string data;
  try {
    data = read_fd(fd, listed_regular, path, checksum);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return data;
}

std::string read_open_file(int fd, std::size_t size_hint, const std::string& path, FlywayChecksum* checksum) {
  std::string data;
  append_rest(fd, data, size_hint, path, checksum);
  return data;
}

std::string read_migration_text(int dir_fd, const std::string& name, const std::string& path, const std::string& rel,
                                FlywayChecksum* checksum, bool listed_regular) {
  // `script` is stored as text; the file name itself was checked by parse_migration_name.
  if (find_invalid_utf8(rel) != std::string_view::npos) {
    fail(path, "migration path " + path + " is not valid UTF-8: rename its folders");
  }
  std::string sql = read_whole_file(dir_fd, name.c_str(), path, checksum, listed_regular);
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
