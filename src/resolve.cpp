#include "strata/resolve.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/checksum.hpp"
#include "strata/error.hpp"
#include "strata/log.hpp"
#include "resolve/files.hpp"
#include "resolve/read.hpp"

// What Flyway does, read off flyway-core's FileSystemScanner, FileSystemResource, Location,
// LocationParser, SqlMigrationResolver, ResolvedMigrationComparator and CompositeMigrationResolver:
// - `script` is the path relative to the location root with '/' separators
//   (FileSystemResource.getRelativePath -> Location.getPathRelativeToThis), so a file in a
//   sub-folder is recorded as "release1/V2__x.sql";
// - directories are scanned recursively and symlinks followed (java.io.File.isDirectory), but
//   hidden directories (name starting with '.') are skipped: Kubernetes ConfigMap volumes keep a
//   second copy of every file under "..<timestamp>/" (Flyway issue #1807);
// - the location prefix is matched case-insensitively and the descriptor trimmed;
// - two migrations that compare equal (same version; or, for repeatables, same description) are
//   an error naming both; versioned sort by version, repeatables after them by
//   String.compareTo of the description.
// Where strata is stricter on purpose: a missing location, an unreadable directory or migration
// file, and a migration-looking name that does not parse are errors (Flyway logs and skips them).

namespace strata {
namespace {

using resolve_detail::FileJob;
using resolve_detail::join_path;
using resolve_detail::read_jobs;

[[noreturn]] void fail(const std::string& file, const std::string& message, int line = 0) {
  InputError e(message);
  e.file = file;
  e.line = line;
  throw e;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The code point starting at s[at]; s is valid UTF-8 (names are checked by parse_migration_name).
char32_t code_point_at(std::string_view s, std::size_t at) {
  const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[at + k])); };
  const char32_t c = b(0);
  if (c < 0x80) return c;
  if (c < 0xE0) return ((c & 0x1F) << 6) | (b(1) & 0x3F);
  if (c < 0xF0) return ((c & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  return ((c & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

// Java's String.compareTo orders by UTF-16 code unit. That is code point order (= UTF-8 byte
// order) except that supplementary characters, which start with a surrogate D800..DBFF, sort
// before U+E000..U+FFFF.
int compare_java(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;  // back to the lead byte
  const auto rank = [](char32_t cp) -> std::uint32_t { return cp >= 0xE000 && cp <= 0xFFFF ? cp + 0x200000 : cp; };
  return rank(code_point_at(a, i)) < rank(code_point_at(b, i)) ? -1 : 1;
}

struct DirCloser {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};

// A directory's entries, names with their d_type, sorted by name.
using Entries = std::vector<std::pair<std::string, unsigned char>>;

struct Scan {
  const NamingRules& naming;
  std::vector<ResolvedMigration>& out;
  std::vector<ResolvedCallback>& callbacks;
  // Files found and not read yet: each directory's are read (on two threads) when the walk
  // leaves it, while it and its ancestors are still open.
  std::vector<FileJob> jobs;
  // Directories already scanned, by device and inode: two links to one directory and
  // overlapping locations read each directory once, at the first path reaching it in sorted order.
  std::set<std::pair<dev_t, ino_t>> seen;
  // The directories being walked, outermost first: reaching one of them again is a symlink loop.
  std::vector<std::pair<std::pair<dev_t, ino_t>, std::string>> ancestors;

  // Takes ownership of `fd`, an open directory; true when it is new (walk it next), false (and fd
  // closed) when it was scanned already.
  // A link back to a directory being walked is an error naming both paths: Flyway would walk it
  // until the path grows too long, and a loop in a migration folder is always a mistake.
  bool enter(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      fail(path, "cannot read directory " + path + ": " + std::strerror(err));
    }
    const std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
    for (const auto& [ancestor, ancestor_path] : ancestors) {
      if (ancestor != id) continue;
      ::close(fd);
      fail(path, "symbolic link loop in migration location: " + path + " leads back to " + ancestor_path);
    }
    if (seen.insert(id).second) {
      ancestors.emplace_back(id, path);
      return true;
    }
    ::close(fd);
    return false;
  }

  // Flyway scans such a folder like any other, so strata does too, but says so: a user who named
  // it so most likely expected a migration.
  void warn_if_named_like_migration(const std::string& name, const std::string& path) const {
    bool looks_like_migration = false;
    try {
      looks_like_migration = parse_migration_name(name, naming).has_value();
    } catch (const InputError&) {
      looks_like_migration = true;
    }
    if (looks_like_migration) {
      log::warn("directory " + path + " is named like a migration; it is scanned as a folder, not run as a migration",
                {{"path", path}});
    }
  }

  // Scans a directory `enter` accepted, then leaves it.
  void walk(int fd, const std::string& dir, const std::string& rel) {
    directory(fd, dir, rel);
    ancestors.pop_back();
  }

  // Reads the files found so far. On the way out of a failing walk it is called too, so that an
  // error in an earlier file still wins over a later directory's, as in a one-by-one scan.
  void read_found_files() {
    std::vector<FileJob> batch = std::move(jobs);
    jobs.clear();
    read_jobs(batch, naming, out, callbacks);
  }

  // The directory stays open until its files are read, on success and on failure alike.
  void directory(int fd, const std::string& dir, const std::string& rel) {
    std::unique_ptr<DIR, DirCloser> d(::fdopendir(fd));
    if (!d) {
      const int err = errno;
      ::close(fd);
      fail(dir, "cannot read directory " + dir + ": " + std::strerror(err));
    }
    Entries entries;  // the jobs' names point into it
    try {
      list_directory(d.get(), dir, rel, entries);
    } catch (...) {
      read_found_files();
      throw;
    }
    read_found_files();
  }

  void list_directory(DIR* d, const std::string& dir, const std::string& rel, Entries& entries) {
    errno = 0;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name != "." && name != "..") entries.emplace_back(std::string(name), e->d_type);
    }
    if (errno != 0) fail(dir, "cannot read directory " + dir + ": " + std::strerror(errno));
    // Names are unique in a directory: the name alone orders them.
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const bool any_config =
        std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.first.ends_with(".conf"); });

    const int dfd = ::dirfd(d);
    for (const auto& [name, type] : entries) {
      bool is_dir = type == DT_DIR;
      if (type == DT_LNK || type == DT_UNKNOWN) {
        struct stat st {};
        // A dangling link is only worth an error when it looks like a migration; read_file reports it.
        if (::fstatat(dfd, name.c_str(), &st, 0) == 0) {
          is_dir = S_ISDIR(st.st_mode);
        } else if (errno == ELOOP) {
          const std::string path = join_path(dir, name);
          fail(path, "symbolic link loop in migration location: " + path + " never resolves (" +
                         std::strerror(ELOOP) + ")");
        }
      }
      if (is_dir) {
        // Hidden folders are skipped as Flyway does (java.io.File.isHidden: a leading '.').
        if (name.front() == '.') continue;
        const std::string path = join_path(dir, name);
        const int sub = ::openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0) fail(path, "cannot read directory " + path + ": " + std::strerror(errno));
        if (!enter(sub, path)) continue;
        warn_if_named_like_migration(name, path);
        walk(sub, path, rel + name + '/');
        continue;
      }
      jobs.push_back(FileJob{dfd, name, &dir, &rel, any_config && has_config(entries, name), type == DT_REG});
    }
  }

  // Whether the (sorted) directory holds `name`.conf, Flyway's script config file for it.
  static bool has_config(const Entries& entries, const std::string& name) {
    const std::string conf = name + ".conf";
    auto it = std::lower_bound(entries.begin(), entries.end(), conf,
                               [](const auto& entry, const std::string& n) { return entry.first < n; });
    return it != entries.end() && it->first == conf;
  }
};

// A number that orders migrations as the full comparison does wherever two of them differ:
// a versioned one's first version part (capped; parts that large are told apart by the full
// comparison), all repeatables above every versioned one.
std::uint64_t sort_lead(const ResolvedMigration& m) {
  constexpr std::uint64_t repeatable = std::numeric_limits<std::uint64_t>::max();
  constexpr std::uint64_t cap = repeatable - 1;
  if (m.kind != MigrationKind::Versioned) return repeatable;
  std::uint64_t value = 0;
  for (char c : m.version->text()) {
    if (c < '0' || c > '9') break;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (cap - digit) / 10) return cap;
    value = value * 10 + digit;
  }
  return value;
}

// Versioned by version, then repeatables by description. Equal keys sort by path so that the
// duplicate error names the same pair every run. The order is found on indices and then each
// migration moved about once: moving one inside the sort costs more than comparing it.
void sort_migrations(std::vector<ResolvedMigration>& migrations) {
  const auto before = [&](std::uint32_t i, std::uint32_t j) {
    const ResolvedMigration& a = migrations[i];
    const ResolvedMigration& b = migrations[j];
    if (a.kind != b.kind) return a.kind == MigrationKind::Versioned;
    if (a.kind == MigrationKind::Versioned) {
      if (auto c = *a.version <=> *b.version; c != 0) return c < 0;
    } else if (int c = compare_java(a.description, b.description); c != 0) {
      return c < 0;
    }
    return a.path.native() < b.path.native();
  };
  // Most comparisons are settled by the first part of the version alone, read once as a number.
  struct Key {
    std::uint64_t lead;
    std::uint32_t index;
  };
  std::vector<Key> keys(migrations.size());
  for (std::uint32_t i = 0; i < keys.size(); ++i) keys[i] = Key{sort_lead(migrations[i]), i};
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    return a.lead != b.lead ? a.lead < b.lead : before(a.index, b.index);
  });
  std::vector<std::uint32_t> order(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].index;
  // Position j takes the migration at order[j]: each cycle of that permutation is rotated
  // through one temporary, so nothing needs a second vector.
  std::vector<char> placed(order.size(), 0);
  for (std::uint32_t start = 0; start < order.size(); ++start) {
    if (placed[start] || order[start] == start) continue;
    ResolvedMigration held = std::move(migrations[start]);
    std::uint32_t j = start;
    for (;;) {
      placed[j] = 1;
      const std::uint32_t from = order[j];
      if (from == start) {
        migrations[j] = std::move(held);
        break;
      }
      migrations[j] = std::move(migrations[from]);
      j = from;
    }
  }
}

}  // namespace

std::filesystem::path location_directory(std::string_view location) {
  const std::string original(location);
  while (!location.empty() && std::isspace(static_cast<unsigned char>(location.front()))) location.remove_prefix(1);
  while (!location.empty() && std::isspace(static_cast<unsigned char>(location.back()))) location.remove_suffix(1);
  if (const std::size_t colon = location.find(':'); colon != std::string_view::npos) {
    if (!iequals(location.substr(0, colon), "filesystem")) {
      fail(original, "unsupported location \"" + original +
                         "\": only filesystem locations are supported (a directory, or filesystem:<directory>)");
    }
    location.remove_prefix(colon + 1);
  }
  if (location.empty()) fail(original, "empty location \"" + original + "\": expected a directory");
  return std::filesystem::path(location);
}

std::vector<ResolvedMigration> resolve_migrations(const ResolveOptions& options) {
  return resolve_scripts(options).migrations;
}

ResolvedScripts resolve_scripts(const ResolveOptions& options) {
  ResolvedScripts scripts;
  std::vector<ResolvedMigration>& out = scripts.migrations;
  Scan scan{options.naming, out, scripts.callbacks, {}, {}, {}};
  for (const auto& location : options.locations) {
    const std::string dir = location_directory(location).string();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      fail(dir, err == ENOENT    ? "migration location " + dir + " does not exist"
                : err == ENOTDIR ? "migration location " + dir + " is not a directory"
                                 : "cannot read migration location " + dir + ": " + std::strerror(err));
    }
    if (scan.enter(fd, dir)) scan.walk(fd, dir, "");
  }

  sort_migrations(out);
  for (std::size_t i = 1; i < out.size(); ++i) {
    const ResolvedMigration& a = out[i - 1];
    const ResolvedMigration& b = out[i];
    if (a.kind != b.kind) continue;
    if (a.kind == MigrationKind::Versioned && *a.version == *b.version) {
      fail(a.path.native(), "found more than one migration with version " + a.version->text() + ": " +
                                a.path.native() + " and " + b.path.native());
    }
    if (a.kind == MigrationKind::Repeatable && a.description == b.description) {
      fail(a.path.native(), "found more than one repeatable migration with description \"" + a.description +
                                "\": " + a.path.native() + " and " + b.path.native());
    }
  }
  // Flyway refuses two callbacks with one file name (in different folders or locations).
  std::vector<const ResolvedCallback*> by_name;
  for (const ResolvedCallback& c : scripts.callbacks) by_name.push_back(&c);
  std::sort(by_name.begin(), by_name.end(), [](const ResolvedCallback* a, const ResolvedCallback* b) {
    return std::pair(a->path.filename().native(), a->path.native()) < std::pair(b->path.filename().native(), b->path.native());
  });
  for (std::size_t i = 1; i < by_name.size(); ++i) {
    if (by_name[i - 1]->path.filename() == by_name[i]->path.filename()) {
      fail(by_name[i - 1]->path.native(), "found more than one SQL callback named " +
                                              by_name[i]->path.filename().native() + ": " + by_name[i - 1]->path.native() +
                                              " and " + by_name[i]->path.native());
    }
  }
  return scripts;
}

}  // namespace strata
