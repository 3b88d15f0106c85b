#include "harness.hpp"

#include <cstdio>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "strata/lock.hpp"

extern char** environ;

namespace strata::test {
namespace {

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("no test server: " + path + " missing (is the pg fixture running?)");
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

std::string admin_conninfo(const std::string& db) {
  const Server& s = server();
  return "host=" + s.socket_dir + " port=" + s.port + " user=" + s.user + " dbname=" + db;
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(0, eq);
    // Tests choose their own configuration; nothing from the developer's shell may leak in.
    if (key.starts_with("STRATA_") || key.starts_with("FLYWAY_") || key.starts_with("PG")) continue;
    env[key] = kv.substr(eq + 1);
  }
  env["PGPASSWORD"] = server().password;
  for (const auto& [k, v] : overrides) {
    if (v.empty()) env.erase(k);
    else env[k] = v;
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

int spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int out_fd,
          int err_fd) {
  std::vector<std::string> argv_s{STRATA_BIN};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = child_environment(env);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

const Server& server() {
  static const Server s = [] {
    auto env = read_env_file(std::string(PGTEST_DIR) + "/env");
    return Server{env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGTEST_PASSWORD"]};
  }();
  return s;
}

TestDatabase::TestDatabase() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base = info ? std::string(info->test_suite_name()) + "_" + info->name() : "t";
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  name_ = "t_" + base.substr(0, 40) + "_" + unique_suffix();
  ConnectionSettings admin{admin_conninfo("postgres"), "admin"};
  Session s(admin);
  s.exec("CREATE DATABASE " + quote_ident(name_));
  session_ = std::make_unique<Session>(settings());
}

TestDatabase::~TestDatabase() {
  session_.reset();
  try {
    ConnectionSettings admin{admin_conninfo("postgres"), "admin"};
    Session s(admin);
    s.exec("DROP DATABASE IF EXISTS " + quote_ident(name_) + " WITH (FORCE)");
  } catch (...) {
  }
}

std::string TestDatabase::url() const {
  return "postgresql://" + server().user + "@127.0.0.1:" + server().port + "/" + name_;
}

std::string TestDatabase::url_with_password() const {
  return "postgresql://" + server().user + ":" + server().password + "@127.0.0.1:" + server().port + "/" + name_;
}

ConnectionSettings TestDatabase::settings() const { return ConnectionSettings{admin_conninfo(name_), name_}; }

Session& TestDatabase::session() { return *session_; }

Rows TestDatabase::query(const std::string& sql, const std::vector<Value>& params) {
  return session_->query(sql, params);
}

std::string TestDatabase::scalar(const std::string& sql, const std::vector<Value>& params) {
  Rows r = query(sql, params);
  if (r.empty() || r[0].empty() || !r[0][0]) return "<null>";
  return *r[0][0];
}

std::unique_ptr<Session> TestDatabase::hold_migration_lock(const std::string& quoted_table) const {
  auto holder = std::make_unique<Session>(settings());
  holder->query("SELECT pg_advisory_lock($1::bigint)", {std::to_string(flyway_lock_key(quoted_table))});
  return holder;
}

void TestDatabase::create_flyway_history(const std::string& schema) {
  const std::string t = "\"" + schema + "\".\"flyway_schema_history\"";
  session().exec("CREATE TABLE " + t + R"( (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL))");
  session().exec("ALTER TABLE " + t + R"( ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))");
  session().exec(R"(CREATE INDEX "flyway_schema_history_s_idx" ON )" + t + R"( ("success"))");
}

void TestDatabase::insert_flyway_row(const std::string& schema, const std::vector<Value>& row) {
  query("INSERT INTO \"" + schema + "\".flyway_schema_history (installed_rank, version, description, type, script, "
        "checksum, installed_by, installed_on, execution_time, success) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        row);
}

std::string TestDatabase::advisory_locks() {
  return scalar(
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
      "(SELECT oid FROM pg_database WHERE datname = current_database())");
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "strata-it.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& relative, const std::string& content) const {
  auto p = path_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_shell(const std::string& command_line) {
  RunResult r;
  std::FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed for: " + command_line);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

RunResult run_strata(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  TempDir io;
  auto out_path = io.path() / "out";
  auto err_path = io.path() / "err";
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int pid = spawn(args, env, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  RunResult r;
  r.exit_code = wait_exit(pid);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

int spawn_strata(const std::vector<std::string>& args, const std::filesystem::path& out_file) {
  int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int pid = spawn(args, {}, fd, fd);
  close(fd);
  return pid;
}

int wait_exit(int pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace strata::test

namespace strata::test {

int spawn_strata_with_env(const std::vector<std::string>& args, const std::filesystem::path& out_file,
                          const std::map<std::string, std::string>& env) {
  int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int pid = spawn(args, env, fd, fd);
  close(fd);
  return pid;
}

}  // namespace strata::test
