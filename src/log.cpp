// Logging is a plain fwrite per line rather than spdlog: every line must be redacted and (in JSON
// mode) shaped exactly, which would mean a custom spdlog formatter plus its compile cost for no
// gain, and a single fwrite + fflush keeps each line whole and visible at once to a pipe reader
// (ECS/CloudWatch).
#include "strata/log.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <unistd.h>
#include <utility>
#include <vector>

namespace strata::log {
namespace {

std::atomic<Format> g_format{Format::Text};
std::atomic<Verbosity> g_verbosity{Verbosity::Normal};
std::atomic<bool> g_stdout_reserved{false};

std::mutex g_secrets_mutex;
std::vector<std::string> g_secrets;  // longest first, so a secret inside another goes with it

// One line at a time, so lines from a cancel thread never interleave with the main thread's.
std::mutex g_write_mutex;
std::string g_status;  // the live line on stderr, under g_write_mutex

constexpr std::string_view kClearLine = "\r\x1b[K";

thread_local std::string t_target;

std::string redact_with(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const auto& secret : secrets) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return out;
}

std::vector<std::string> secrets_snapshot() {
  std::lock_guard lock(g_secrets_mutex);
  return g_secrets;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence at s[i], or 0. Messages can carry server text in any
// encoding; a log shipper rejects a whole line over one bad byte, so bad bytes become U+FFFD.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range code points are invalid too.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return n;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

std::string timestamp_utc() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";  // JSON has no NaN/Infinity
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// The value as text for a text-mode line; string values are redacted by the caller with the
// whole line.
std::string field_text(const Field& f) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return v;
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return number_text(v);
        else return std::to_string(v);
      },
      f.value);
}

// Secrets are scrubbed from each part before JSON escaping: scrubbing the finished line would miss
// a secret holding a quote or backslash (escaped in the line) and could break the line's syntax.
std::string json_line(Level level, std::string_view message, std::initializer_list<Field> fields,
                      const std::vector<std::string>& secrets) {
  std::string line;
  line.reserve(96 + message.size());
  line += "{\"ts\":\"";
  line += timestamp_utc();
  line += "\",\"level\":\"";
  line += level_name(level);
  line += '"';
  if (!t_target.empty()) {
    line += ",\"target\":";
    append_json_string(line, redact_with(t_target, secrets));
  }
  line += ",\"msg\":";
  append_json_string(line, redact_with(message, secrets));
  for (const auto& f : fields) {
    line += ',';
    append_json_string(line, redact_with(f.key, secrets));
    line += ':';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) append_json_string(line, redact_with(v, secrets));
          else if constexpr (std::is_same_v<T, bool>) line += v ? "true" : "false";
          else if constexpr (std::is_same_v<T, double>) line += number_text(v);
          else line += std::to_string(v);
        },
        f.value);
  }
  line += "}\n";
  return line;
}

// Fields are for machines; a human reading text output gets them only when asking for detail, so
// callers must put what a person needs into the message itself.
std::string text_line(Level level, std::string_view message, std::initializer_list<Field> fields,
                      bool with_fields, const std::vector<std::string>& secrets, bool colour) {
  std::string line;
  if (!t_target.empty()) line = "[" + t_target + "] ";
  if (level == Level::Warn) line += colour ? "\x1b[33mWARNING:\x1b[0m " : "WARNING: ";
  else if (level == Level::Error) line += colour ? "\x1b[1;31mERROR:\x1b[0m " : "ERROR: ";
  line += message;
  if (with_fields && fields.size() > 0) {
    line += " (";
    bool first = true;
    for (const auto& f : fields) {
      if (!first) line += ", ";
      first = false;
      line += f.key;
      line += '=';
      line += field_text(f);
    }
    line += ')';
  }
  line = redact_with(line, secrets);
  line += '\n';
  return line;
}

}  // namespace

TargetScope::TargetScope(std::string name) : previous_(std::exchange(t_target, std::move(name))) {}
TargetScope::~TargetScope() { t_target = std::move(previous_); }
const std::string& current_target() { return t_target; }

void configure(Format format, Verbosity verbosity) {
  g_format = format;
  g_verbosity = verbosity;
}

void reserve_stdout(bool reserved) { g_stdout_reserved = reserved; }

Format format() { return g_format; }
Verbosity verbosity() { return g_verbosity; }

void add_secret(std::string secret) {
  if (secret.empty()) return;
  std::lock_guard lock(g_secrets_mutex);
  if (std::find(g_secrets.begin(), g_secrets.end(), secret) != g_secrets.end()) return;
  g_secrets.push_back(std::move(secret));
  std::stable_sort(g_secrets.begin(), g_secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) { return redact_with(text, secrets_snapshot()); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  const Verbosity v = g_verbosity;
  if (level == Level::Debug && v != Verbosity::Verbose) return;
  if (level == Level::Info && v == Verbosity::Quiet) return;

  const auto secrets = secrets_snapshot();
  std::string line;
  std::FILE* stream = stdout;
  if (g_format == Format::Json) {
    line = json_line(level, message, fields, secrets);
  } else {
    if (level == Level::Warn || level == Level::Error || g_stdout_reserved) stream = stderr;
    line = text_line(level, message, fields, v == Verbosity::Verbose, secrets, colour_on(fileno(stream)));
  }

  std::lock_guard lock(g_write_mutex);
  if (!g_status.empty()) std::fwrite(kClearLine.data(), 1, kClearLine.size(), stderr);
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fflush(stream);
  if (!g_status.empty()) {
    std::fwrite(g_status.data(), 1, g_status.size(), stderr);
    std::fflush(stderr);
  }
}

bool colour_on(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(fd) && !(no_colour && *no_colour) && !(term && std::string_view(term) == "dumb");
}

void set_status(std::string_view text) {
  std::lock_guard lock(g_write_mutex);
  std::string out(kClearLine);
  g_status = redact_with(text, secrets_snapshot());
  out += g_status;
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace strata::log
