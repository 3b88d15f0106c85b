#pragma once
// libpq, loaded on first use. Linking it directly makes the dynamic loader map libpq and its
// tree (OpenSSL, GnuTLS, p11-kit, Kerberos, LDAP, SASL) before main: ~9 ms and ~7 MB RSS that
// `strata --version`, `--help` and every input error would pay without ever connecting.
// Private to src/: only the files that talk to libpq include it.
#include <libpq-fe.h>

#define STRATA_LIBPQ_FUNCTIONS(X) \
  X(PQbackendPID)                 \
  X(PQcancel)                     \
  X(PQcmdTuples)                  \
  X(PQclear)                      \
  X(PQconndefaults)               \
  X(PQconsumeInput)               \
  X(PQconnectdb)                  \
  X(PQconninfoFree)               \
  X(PQconninfoParse)              \
  X(PQdb)                         \
  X(PQenterPipelineMode)          \
  X(PQerrorMessage)               \
  X(PQescapeLiteral)              \
  X(PQexec)                       \
  X(PQexecParams)                 \
  X(PQexitPipelineMode)           \
  X(PQfinish)                     \
  X(PQfreeCancel)                 \
  X(PQfreemem)                    \
  X(PQgetCancel)                  \
  X(PQgetCopyData)                \
  X(PQgetResult)                  \
  X(PQgetisnull)                  \
  X(PQgetlength)                  \
  X(PQgetvalue)                   \
  X(PQnfields)                    \
  X(PQntuples)                    \
  X(PQpipelineSync)               \
  X(PQprepare)                    \
  X(PQputCopyData)                \
  X(PQputCopyEnd)                 \
  X(PQresultErrorField)           \
  X(PQresultStatus)               \
  X(PQsendQueryParams)            \
  X(PQsendQueryPrepared)          \
  X(PQserverVersion)              \
  X(PQsetNoticeReceiver)          \
  X(PQsocket)                     \
  X(PQstatus)                     \
  X(PQuser)

namespace strata {

struct Libpq {
#define STRATA_LIBPQ_MEMBER(name) decltype(&::name) name;
  STRATA_LIBPQ_FUNCTIONS(STRATA_LIBPQ_MEMBER)
#undef STRATA_LIBPQ_MEMBER
};

// Loads libpq.so.5 once (thread-safe); throws ConnectError when it or a function is missing.
const Libpq& libpq();

// libpq links libldap, which links GnuTLS, whose library constructor initialises it as soon as it
// is loaded (entropy, p11-kit's modules, ~1 MB of memory) although libpq's TLS is OpenSSL's and
// libldap, the one user, initialises GnuTLS itself when it starts TLS. GnuTLS's documented switch
// GNUTLS_NO_IMPLICIT_INIT=1 skips that; a value already in the environment is kept. Call it while
// the process has one thread (setenv is not safe beside other threads' getenv): main does.
// strata starts no child processes, so no other program sees the variable.
void skip_gnutls_implicit_init();

}  // namespace strata
