// The generated completion scripts load in bash and zsh and complete from the config file at
// completion time; the generated man page renders with man -l.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

// Runs a script with `shell` in `dir`, the strata binary's directory first on PATH; stdout and
// stderr together.
RunResult run_script(const std::string& shell, const TempDir& dir, const std::string& script) {
  dir.write("script", script);
  return run_shell("cd '" + dir.path().string() + "' && PATH='" + fs::path(STRATA_BIN).parent_path().string() + "':$PATH " +
                   shell + " script");
}

const char* const kConfig =
    "environments:\n  dev:\n    url: postgresql://localhost/dev\n  qa:\n    url: postgresql://qa/app\n";

TEST(CompletionShell, BashLoadsAndCompletesCommandsFlagsAndEnvironments) {
  TempDir dir;
  dir.write("strata.yaml", kConfig);
  dir.write("other.yaml", "environments:\n  blue: {}\n  green: {}\n");
  RunResult r = run_script("bash --norc --noprofile", dir, R"(set -e
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
  RunResult r = run_script("zsh -f", dir, R"(autoload -Uz compinit && compinit -u -d "$PWD/.zcompdump"
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
  RunResult r = run_script("bash --norc --noprofile", dir, R"(set -e
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
