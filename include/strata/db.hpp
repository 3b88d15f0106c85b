#pragma once
// The one place that talks to PostgreSQL, through raw libpq (loaded on first use, src/libpq.hpp).
// libpqxx was measured and set aside: its 6.4 exposes no error position and no DETAIL/HINT, cannot
// COPY a statement the user wrote, and has no pipeline mode.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/error.hpp"

namespace strata {

// The session that runs a run's statements asks a PostgreSQL 14+ server to check this often
// whether strata is still connected while a statement runs (client_connection_check_interval), so
// a statement strata can no longer see — strata was killed — is aborted within about this long
// instead of running on with its locks. A value the connection's options or PGOPTIONS set, or one
// already on, is kept.
inline constexpr std::chrono::milliseconds kClientConnectionCheckInterval{1000};

struct ConnectionSettings {
  std::string conninfo;  // libpq keyword=value string, may hold the password: never print it
  std::string display;   // what may be shown: the target without any password
  int connect_retries = 0;              // extra attempts after the first failed one
  std::chrono::seconds connect_retries_interval{120};  // upper bound of the back-off between them
};

using Value = std::optional<std::string>;  // NULL or text
using Row = std::vector<Value>;
using Rows = std::vector<Row>;

// What a pipeline's statements returned, in the order they were queued since the last collect.
struct PipelineResults {
  std::vector<Rows> rows;  // one entry per statement that succeeded, in order
  // The first statement that failed: its index among those queued, and the server's error. The
  // server skipped every statement after it up to the sync.
  std::optional<std::size_t> failed_index;
  std::optional<SqlError> error;
  bool ok() const { return !failed_index; }
};

// The connection was lost while a pipeline's results were read. `failed_index`: the statement the
// server reported a fatal error for before closing (nothing after it ran); empty when the
// connection just went away, so anything queued may or may not have run.
class PipelineLost : public ConnectError {
 public:
  PipelineLost(const std::string& message, std::optional<std::size_t> index)
      : ConnectError(message), failed_index(index) {}
  std::optional<std::size_t> failed_index;
};

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

  // Sends `sql` (a COPY ... FROM STDIN) and streams `data` to it as its rows; returns the number
  // of rows copied. Throws SqlError with the server's fields (a bad row: SQLSTATE 22P02 with
  // CONTEXT "COPY t, line 3", the line counted in `data`); the connection stays usable.
  std::uint64_t copy_in(std::string_view sql, std::string_view data);

  // libpq's pipeline mode: statements queued are sent without waiting for each other's result,
  // so BEGIN, a migration's statements, its history row and COMMIT cost one round trip. Each
  // queued text is one statement (the extended protocol); results are read back per sync.
  // Large pipelines of big results can fill the socket both ways: keep them to a migration's size.
  void enter_pipeline();
  void queue(std::string_view sql, const std::vector<Value>& params = {});
  // Queues a statement prepared by prepare(), so the server skips parsing and planning it again.
  void queue_prepared(const std::string& name, const std::vector<Value>& params);
  // Marks the end of a group: the server runs it, and after an error skips the rest of it.
  void sync();
  // Reads the results of everything queued up to the next sync. Throws PipelineLost when the
  // connection is lost; a statement's own error is returned, not thrown.
  PipelineResults collect();
  // Leaves pipeline mode; every sync must have been collected.
  void exit_pipeline();
  // Leaves pipeline mode from any state, for cleanup after an exception: anything queued is
  // synced and every result still due is read and discarded. Never throws; on a lost connection
  // it only forgets the pipeline.
  void abandon_pipeline() noexcept;
  bool in_pipeline() const;

  // Prepares `sql` as the named statement `name` for this session (outside pipeline mode); does
  // nothing when this session has already prepared the same text under that name.
  void prepare(const std::string& name, std::string_view sql);
  // The server no longer has `name` (a script ran DEALLOCATE): the next prepare() sends it again.
  void forget_prepared(const std::string& name);

  // How many times this session has sent something and waited for the server's answer: each
  // exec, query and prepare, each collect of a pipeline, a COPY's statement and its rows.
  std::uint64_t round_trips() const;
  // Turns on the server's dead-client check (kClientConnectionCheckInterval) for this session: one
  // round trip, sent only by sessions about to run statements (a no-op run never pays for it).
  void check_for_dead_client();
  // Throws ConnectError when this idle session's connection has ended. No round trip unless
  // something arrived on it since its last command (src/db/liveness.cpp).
  void verify_alive();

  // The server process serving this session (pg_backend_pid()).
  int backend_pid() const;

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
