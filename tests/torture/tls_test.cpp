// TLS against a server of its own with a self-signed CA: verify-full connects; a wrong CA or host
// name fails with a clear error.
#include <gtest/gtest.h>

#include <thread>

#include "torture.hpp"

namespace strata::test {
namespace {

// A CA, a server certificate for "localhost" signed by it, and an unrelated second CA.
void make_certificates(const std::filesystem::path& d) {
  const std::string in = "cd " + d.string() + " && ";
  const std::vector<std::string> steps = {
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=torture-ca",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.crt -days 2 -subj /CN=other-ca",
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost",
      "printf 'subjectAltName=DNS:localhost\\n' > san.ext",
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 "
      "-extfile san.ext",
  };
  for (const std::string& step : steps) {
    std::string out;
    ASSERT_EQ(shell(in + step, &out), 0) << step << ": " << out;
  }
}

void enable_ssl(const OwnServer& pg, const std::filesystem::path& certs) {
  const std::filesystem::path pgdata = pg.data_dir() / "pgdata";
  std::string out;
  ASSERT_EQ(shell("cp " + (certs / "server.crt").string() + " " + (certs / "server.key").string() + " " +
                      pgdata.string() + " && chmod 600 " + (pgdata / "server.key").string() +
                      (::getuid() == 0 ? " && chown postgres:postgres " + (pgdata / "server.crt").string() + " " +
                                             (pgdata / "server.key").string()
                                       : ""),
                  &out),
            0)
      << out;
  pg.psql("ALTER SYSTEM SET ssl = on");
  pg.psql("SELECT pg_reload_conf()");
  for (int i = 0; i < 100 && pg.psql("SHOW ssl") != "on"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(pg.psql("SHOW ssl"), "on");
}

TEST(TortureTls, VerifyFullConnectsWithTheRightCaAndFailsClearlyOtherwise) {
  OwnServer pg;
  TempDir certs, dir;
  make_certificates(certs.path());
  enable_ssl(pg, certs.path());
  pg.psql("CREATE DATABASE tls");
  dir.write("V1__ssl.sql", "CREATE TABLE ssl_seen AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n");
  const std::map<std::string, std::string> env = {{"PGPASSWORD", pg.password()}};
  const auto url = [&](const std::string& host, const std::string& ca) {
    return pg.url("tls", host) + "?sslmode=verify-full&sslrootcert=" + (certs.path() / ca).string();
  };
  const auto migrate = [&](const std::string& u) {
    return run_strata({"migrate", "--url", u, "--locations", dir.path().string()}, env);
  };

  RunResult r = migrate(url("localhost", "ca.crt"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(pg.psql("SELECT bool_and(ssl) FROM ssl_seen", "tls"), "t");

  r = migrate(url("localhost", "other-ca.crt"));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r.all();

  r = migrate(url("127.0.0.1", "ca.crt"));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("does not match host name \"127.0.0.1\""), std::string::npos) << r.all();

  figures("TLS: sslmode=verify-full with the server's CA connected (pg_stat_ssl: ssl = t); a wrong CA failed with "
          "\"certificate verify failed\" (exit 3); a wrong host name failed with \"does not match host name\" (exit 3)");
}

}  // namespace
}  // namespace strata::test
