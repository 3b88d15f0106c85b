#include "strata/lock.hpp"

#include <thread>

#include "strata/db.hpp"
#include "strata/error.hpp"
#include "strata/interrupt.hpp"
#include "strata/log.hpp"
#include "strata/wait_watch.hpp"

namespace strata {

std::int32_t java_string_hash(std::string_view s) noexcept {
  // Java hashes UTF-16 code units with wrapping 32-bit arithmetic; decode UTF-8 to get them.
  std::uint32_t h = 0;
  auto mix = [&h](std::uint32_t unit) { h = h * 31u + unit; };
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    std::size_t len;
    if (c < 0x80) { cp = c; len = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1Fu; len = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0Fu; len = 3; }
    else { cp = c & 0x07u; len = 4; }
    if (i + len > s.size()) len = s.size() - i;
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      mix(0xD800u + (cp >> 10));
      mix(0xDC00u + (cp & 0x3FFu));
    } else {
      mix(cp);
    }
  }
  return static_cast<std::int32_t>(h);
}

std::int64_t flyway_lock_key(std::string_view quoted_table) noexcept {
  return 77431708279161LL + java_string_hash(quoted_table);
}

namespace {

std::string held_by(Session& session, std::int64_t key) {
  try {
    const std::vector<Blocker> holders = advisory_lock_holders(session, key);
    if (holders.empty()) return "held by a session this role cannot see";
    return "held by " + describe(holders);
  } catch (const SqlError& e) {
    return std::string("its holder is unknown: ") + e.what();
  }
}

}  // namespace

MigrationLock::MigrationLock(const ConnectionSettings& settings, std::int64_t key, std::string_view table_display,
                             std::chrono::milliseconds timeout, std::chrono::milliseconds poll_interval,
                             std::chrono::milliseconds report_interval)
    : MigrationLock(std::make_unique<Session>(settings), key, table_display, timeout, poll_interval, report_interval) {}

MigrationLock::MigrationLock(std::unique_ptr<Session> session, std::int64_t key, std::string_view table_display,
                             std::chrono::milliseconds timeout, std::chrono::milliseconds poll_interval,
                             std::chrono::milliseconds report_interval)
    : session_(std::move(session)), key_(key) {
  const std::string key_text = std::to_string(key);
  // Saturate: a timeout of years (as "wait for ever" is often written) must not overflow.
  const auto started = std::chrono::steady_clock::now();
  const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::time_point::max() - started);
  const auto deadline = timeout >= room ? std::chrono::steady_clock::time_point::max() : started + timeout;
  auto next_report = started;
  const std::string table(table_display);
  while (true) {
    Rows r = session_->query("SELECT pg_try_advisory_lock($1::bigint)", {key_text});
    if (!r.empty() && r[0][0].value_or("f") == "t") return;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      throw LockTimeout("timed out after " + std::to_string(timeout.count() / 1000) +
                        "s waiting for the migration lock on " + table + ", " + held_by(*session_, key_) +
                        " (pg_locks, locktype 'advisory', objid " +
                        std::to_string(static_cast<std::uint32_t>(key & 0xFFFFFFFF)) + ")");
    }
    // At once, then every report interval: a wait must never look like a hang.
    if (now >= next_report) {
      const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
      const std::string what = next_report == started ? "Waiting for the migration lock on " + table
                                                      : "Still waiting after " + std::to_string(waited) +
                                                            "s for the migration lock on " + table;
      log::info(what + ", " + held_by(*session_, key_), {{"waited_s", static_cast<std::int64_t>(waited)}});
      next_report = now + report_interval;
    }
    throw_if_interrupted();
    std::this_thread::sleep_for(poll_interval);
    throw_if_interrupted();
  }
}

void MigrationLock::ensure_held() const {
  try {
    session_->verify_alive();
  } catch (const Error& e) {
    ConnectError lost(std::string("lost the migration lock: its connection ended (") + e.what() +
                      "); stopping before the next migration, since another runner may hold the lock now");
    lost.hint = "the migrations applied so far are recorded; run strata migrate again";
    throw lost;
  }
}

MigrationLock::~MigrationLock() {
  // Also after a signal; closing the connection below would release a session lock anyway.
  session_->exec_cleanup("SELECT pg_advisory_unlock(" + std::to_string(key_) + ")");
}

}  // namespace strata
