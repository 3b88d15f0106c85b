#pragma once
// Logging: human text or one JSON object per line (ts, level, msg, and fields), with every known
// secret scrubbed from every line before it is written.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace strata::log {

enum class Format { Text, Json };
enum class Level { Debug, Info, Warn, Error };
enum class Verbosity { Quiet, Normal, Verbose };

struct Field {
  std::string_view key;
  std::variant<std::string, std::int64_t, double, bool> value;
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

void configure(Format format, Verbosity verbosity);
// Text format: while reserved, every line goes to stderr, so that a JSON document the command
// writes to stdout (info or validate with -outputType=json) parses as a whole, as Flyway's does.
void reserve_stdout(bool reserved);
Format format();
Verbosity verbosity();

// Registers a string that must never be written (a password). Empty strings are ignored.
void add_secret(std::string secret);
// `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);

// Text: Info to stdout (stderr while reserved), Warn/Error to stderr, Debug only when verbose;
// Quiet drops Info.
// Json: every line to stdout as {"ts","level","msg",fields...}.
// Text: WARNING and ERROR are coloured when the stream gets colour (colour_on).
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Whether output to file descriptor `fd` is coloured: a terminal, NO_COLOR unset or empty, and
// TERM not "dumb".
bool colour_on(int fd);
// A live line at the bottom of the terminal on stderr (strata/progress.hpp draws it): replaced
// by each call, kept below every line written meanwhile; empty removes it. Callers show it only
// when stderr is a terminal.
void set_status(std::string_view text);
// Names the target (a fleet's database) the lines of this thread concern, until it goes out of
// scope: text lines start with "[name] ", JSON lines carry a "target" field. Parallel targets
// run in threads of their own, so each line says whose it is.
class TargetScope {
 public:
  explicit TargetScope(std::string name);
  ~TargetScope();
  TargetScope(const TargetScope&) = delete;
  TargetScope& operator=(const TargetScope&) = delete;

 private:
  std::string previous_;
};
// The name set by this thread's innermost TargetScope, or empty.
const std::string& current_target();

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Error, m, f); }

}  // namespace strata::log
