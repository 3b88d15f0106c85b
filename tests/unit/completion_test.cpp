// Completion scripts and the man page come from the option tables: every option, command and
// command option shows up in each, so the three cannot drift from --help.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli.hpp"

namespace strata::cli {
namespace {

const std::vector<CommandDoc> kDocs{
    {"migrate", "Apply pending migrations"}, {"new", "Create the next migration"},
    {"status", "Where the database stands"}, {"lint", "Check migrations for unsafe statements"},
    {"completion", "Completion scripts", true}};

std::vector<std::string> every_option_name() {
  std::vector<std::string> names;
  auto add = [&](const char* list) {
    std::stringstream in(list);
    for (std::string n; std::getline(in, n, ',');) names.push_back(n);
  };
  for (const Option& o : value_options()) add(o.names);
  for (const Option& o : switch_options()) add(o.names);
  for (const CommandOption& o : command_options())
    if (!o.positional) add(o.names);
  return names;
}

std::string roff_escaped(std::string name) {
  std::string out;
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST(Completion, BashOffersEveryOptionAndVisibleCommand) {
  const std::string script = bash_completion(kDocs);
  for (const std::string& name : every_option_name()) EXPECT_NE(script.find(" " + name), std::string::npos) << name;
  EXPECT_NE(script.find("migrate new status"), std::string::npos);
  EXPECT_EQ(script.find("status completion"), std::string::npos) << "hidden commands are not offered";
  EXPECT_NE(script.find("complete -F _strata strata"), std::string::npos);
  EXPECT_NE(script.find("completion environments"), std::string::npos) << "environments are read as you type";
}

TEST(Completion, ZshDescribesEveryOptionAndVisibleCommand) {
  const std::string script = zsh_completion(kDocs);
  for (const std::string& name : every_option_name())
    EXPECT_TRUE(script.find(name + "[") != std::string::npos || script.find(name + "=[") != std::string::npos) << name;
  // Value options take their value after '=' or as the next word.
  EXPECT_NE(script.find("'--locations=[Comma-separated migration directories"), std::string::npos);
  EXPECT_NE(script.find("'status:Where the database stands'"), std::string::npos);
  EXPECT_EQ(script.find("'completion:"), std::string::npos);
  EXPECT_EQ(script.rfind("#compdef strata\n", 0), 0u);
}

TEST(Completion, ZshEscapesWhatItsSpecsReserve) {
  const std::string script = zsh_completion(kDocs);
  // --target's help "Migrate up to: latest ..." holds a colon, which would end the description.
  EXPECT_NE(script.find("Migrate up to\\: latest"), std::string::npos);
}

TEST(ManPage, DocumentsEveryOptionCommandAndExitCode) {
  const std::string page = man_page(kDocs);
  for (const std::string& name : every_option_name()) EXPECT_NE(page.find("\\fB" + roff_escaped(name) + "\\fR"), std::string::npos) << name;
  EXPECT_NE(page.find(".B new DESCRIPTION [\\-\\-timestamp] [\\-\\-repeatable]"), std::string::npos);
  EXPECT_EQ(page.find(".B completion"), std::string::npos);
  EXPECT_NE(page.find("status \\-\\-exit\\-code: the history holds a failed migration"), std::string::npos);
  EXPECT_EQ(page.rfind(".TH STRATA 1 ", 0), 0u);
}

TEST(ConfigEnvironments, NamesInFileOrder) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "strata_completion_envs.yaml";
  {
    std::ofstream out(file);
    out << "url: postgresql://localhost/x\nenvironments:\n  dev: {}\n  staging:\n    user: a\n  prod: {}\n";
  }
  EXPECT_EQ(config_environments(file), (std::vector<std::string>{"dev", "staging", "prod"}));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace strata::cli
