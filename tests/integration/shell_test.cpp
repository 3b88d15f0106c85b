// The generated completion scripts load in bash and zsh and complete from the config file at
// completion time; the generated man page renders with man -l.
#include <gtest/gtest.h>

#include <cstdio>

#include "harness.hpp"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

// Runs a script with `shell` in `dir`, the strata binary's directory first on PATH; stdout and
// stderr together.
RunResult run_script(const std::string& shell, const fs::path& dir, const std::string& script) {
  const fs::path file = dir / "script";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs(script.c_str(), f);
    std::fclose(f);
  }
  const std::string line = "cd '" + dir.string() + "' && PATH='" + fs::path(STRATA_BIN).parent_path().string() +
                           "':$PATH " + shell + " script 2>&1";
  RunResult r;
  std::FILE* pipe = popen(line.c_str(), "r");
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const char* const kConfig =
    "environments:\n  dev:\n    url: postgresql://localhost/dev\n  qa:\n    url: postgresql://qa/app\n";

TEST(CompletionShell, BashLoadsAndCompletesCommandsFlagsAndEnvironments) {
  TempDir dir;
  dir.write("strata.yaml", kConfig);
  dir.write("other.yaml", "environments:\n  blue: {}\n  green: {}\n");
  RunResult r = run_script("bash --norc --noprofile", dir.path(), R"(set -e
source <(strata completion bash)
complete -p strata
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _strata; echo "${COMPREPLY[*]}"; }
c strata st
c strata -e ''
c strata -c other.yaml --environment ''
c strata new --r
c strata status --exit
c strata --log-format ''
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "complete -F _strata strata\nstatus\ndev qa\nblue green\n--repeatable\n--exit-code\ntext json\n");
}

TEST(CompletionShell, ZshLoadsAndCompletesEnvironments) {
  TempDir dir;
  dir.write("strata.yaml", kConfig);
  // compinit registers the function; _describe is replaced to print what would be offered.
  RunResult r = run_script("zsh -f", dir.path(), R"(autoload -Uz compinit && compinit -u -d "$PWD/.zcompdump"
source <(strata completion zsh)
print -r -- "registered: ${_comps[strata]}"
_describe() { print -r -- "${(P)argv[-1]}"; }
words=(strata -e '')
_strata_environments
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "registered: _strata\ndev qa\n");
}

TEST(ManPageRender, RendersWithManWithoutWarnings) {
  TempDir dir;
  RunResult r = run_script("bash --norc --noprofile", dir.path(), R"(set -e
strata man > strata.1
MANWIDTH=100 man --warnings -l strata.1 2>warnings | col -b > rendered
cat warnings
grep -c 'EXIT STATUS' rendered
grep -q -- '--lock-wait-timeout' rendered && echo has-options
grep -q 'new DESCRIPTION \[--timestamp\] \[--repeatable\]' rendered && echo has-new
)");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "1\nhas-options\nhas-new\n");
}

}  // namespace
}  // namespace strata::test
