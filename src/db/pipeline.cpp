// Session's pipeline mode: statements queued without waiting, results read back per sync, the
// first failure reported with its index. The server skips the rest of a failed sync group, so a
// transaction sent as BEGIN ... COMMIT in one group never half-commits.
#include "db_internal.hpp"
#include "strata/error.hpp"
#include "strata/interrupt.hpp"

namespace strata {
namespace {

[[noreturn]] void pipeline_misuse(const char* what) {
  throw InternalError(std::string("pipeline mode misused: ") + what);
}

// The connection is gone: what the server said last, and which statement it said it of.
[[noreturn]] void lost(PGconn* conn, const PGresult* r, std::optional<std::size_t> at) {
  try {
    db_detail::throw_result_error(conn, r);
  } catch (const ConnectError& e) {
    PipelineLost out(e.what(), at);
    out.sqlstate = e.sqlstate;
    throw out;
  }
}

std::vector<const char*> c_values(const std::vector<Value>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

}  // namespace

void Session::enter_pipeline() {
  if (impl_->pipeline) return;
  if (libpq().PQenterPipelineMode(impl_->conn) != 1) {
    throw SqlError("cannot enter pipeline mode: " + db_detail::connection_message(impl_->conn));
  }
  impl_->pipeline = true;
  impl_->queued = 0;
  impl_->syncs = 0;
}

bool Session::in_pipeline() const { return impl_->pipeline; }

void Session::queue(std::string_view sql, const std::vector<Value>& params) {
  if (!impl_->pipeline) pipeline_misuse("queue() outside pipeline mode");
  throw_if_interrupted();
  const std::string text(sql);
  const std::vector<const char*> values = c_values(params);
  if (libpq().PQsendQueryParams(impl_->conn, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                nullptr, nullptr, 0) != 1) {
    db_detail::throw_result_error(impl_->conn, nullptr);
  }
  ++impl_->queued;
}

void Session::queue_prepared(const std::string& name, const std::vector<Value>& params) {
  if (!impl_->pipeline) pipeline_misuse("queue_prepared() outside pipeline mode");
  throw_if_interrupted();
  const std::vector<const char*> values = c_values(params);
  if (libpq().PQsendQueryPrepared(impl_->conn, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                  nullptr, 0) != 1) {
    db_detail::throw_result_error(impl_->conn, nullptr);
  }
  ++impl_->queued;
}

void Session::sync() {
  if (!impl_->pipeline) pipeline_misuse("sync() outside pipeline mode");
  if (libpq().PQpipelineSync(impl_->conn) != 1) db_detail::throw_result_error(impl_->conn, nullptr);
  ++impl_->syncs;
}

PipelineResults Session::collect() {
  if (impl_->syncs == 0) pipeline_misuse("collect() without a sync()");
  PGconn* conn = impl_->conn;
  ++impl_->round_trips;
  db_detail::CancelScope scope(impl_->cancel);
  PipelineResults out;
  std::size_t index = 0;
  int idle = 0;  // NULLs in a row: one ends each statement's results, two mean nothing is coming
  while (true) {
    PGresult* r = libpq().PQgetResult(conn);
    if (!r) {
      if (libpq().PQstatus(conn) == CONNECTION_BAD) lost(conn, nullptr, out.failed_index);
      if (++idle > 1) db_detail::throw_result_error(conn, nullptr);
      continue;
    }
    idle = 0;
    db_detail::ResultGuard guard{r};
    switch (libpq().PQresultStatus(r)) {
      case PGRES_PIPELINE_SYNC:
        --impl_->syncs;
        impl_->queued -= std::min(index, impl_->queued);
        if (out.error && out.error->sqlstate == "57014" && interrupted_signal() != 0) {
          throw Interrupted(interrupted_signal());
        }
        return out;
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        out.rows.push_back(db_detail::rows_of(r));
        break;
      case PGRES_PIPELINE_ABORTED:
        break;
      default:
        if (libpq().PQstatus(conn) == CONNECTION_BAD) lost(conn, r, out.failed_index ? out.failed_index : index);
        if (!out.failed_index) {
          out.failed_index = index;
          out.error = db_detail::result_error(conn, r);
        }
    }
    ++index;
  }
}

void Session::exit_pipeline() {
  if (!impl_->pipeline) return;
  if (impl_->syncs != 0) pipeline_misuse("exit_pipeline() with results not collected");
  if (libpq().PQexitPipelineMode(impl_->conn) != 1) {
    throw SqlError("cannot leave pipeline mode: " + db_detail::connection_message(impl_->conn));
  }
  impl_->pipeline = false;
}

}  // namespace strata

namespace strata {

void Session::abandon_pipeline() noexcept {
  if (!impl_->pipeline) return;
  PGconn* conn = impl_->conn;
  if (libpq().PQstatus(conn) == CONNECTION_OK) {
    if (impl_->queued > 0 && libpq().PQpipelineSync(conn) == 1) ++impl_->syncs;
    int idle = 0;  // two NULLs in a row: nothing more is coming
    while (impl_->syncs > 0 && libpq().PQstatus(conn) == CONNECTION_OK) {
      PGresult* r = libpq().PQgetResult(conn);
      if (!r) {
        if (++idle > 1) break;
        continue;
      }
      idle = 0;
      if (libpq().PQresultStatus(r) == PGRES_PIPELINE_SYNC) --impl_->syncs;
      libpq().PQclear(r);
    }
    libpq().PQexitPipelineMode(conn);
  }
  impl_->pipeline = false;
  impl_->queued = 0;
  impl_->syncs = 0;
}

}  // namespace strata
