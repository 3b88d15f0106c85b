#pragma once
// The one place that talks to PostgreSQL. libpqxx stays behind this header.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct ConnectionSettings {
  std::string conninfo;  // libpq keyword=value string, may hold the password: never print it
  std::string display;   // what may be shown: the target without any password
  int connect_retries = 0;              // extra attempts after the first failed one
  std::chrono::seconds connect_retries_interval{120};  // upper bound of the back-off between them
};

using Value = std::optional<std::string>;  // NULL or text
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

class Session {
 public:
  // Throws ConnectError (message names `settings.display`, never the password).
  explicit Session(const ConnectionSettings& settings);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one statement; throws SqlError with SQLSTATE, position, detail, hint and context.
  void exec(std::string_view sql);
  // Cleanup that must reach the server even while a signal is being handled (ROLLBACK, unlock):
  // sent without the interrupt check, errors ignored (a dropped connection cleans up anyway).
  void exec_cleanup(std::string_view sql) noexcept;
  // Runs one parameterised statement and returns its rows; throws SqlError.
  Rows query(std::string_view sql, const std::vector<Value>& params = {});

  // `text` as an SQL string literal, escaped for this connection's encoding and settings.
  std::string literal(std::string_view text) const;

  std::string user() const;      // the session user
  std::string database() const;  // the database name
  int server_version() const;    // e.g. 150004
  const std::string& display() const;

  // Asks the server to cancel whatever this session is running (safe from another thread).
  void cancel() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `ident` as a double-quoted SQL identifier.
std::string quote_ident(std::string_view ident);

}  // namespace strata
