#pragma once
// The SQL corpus (tests/corpus): its expectations table, read by the unit test (splitting and
// routing) and the integration test (applying on a real server).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace strata::test {

struct CorpusCase {
  std::string file;
  std::vector<std::string> settings;  // "mixed=true", "executeInTransaction=false"
  std::size_t statements = 0;
  std::string mode;     // transactional | no-transaction | mixed | refused
  std::string outcome;  // applies | fails L:C | refused L
  int line = 0;         // of fails / refused
  int column = 0;       // of fails

  bool has(const std::string& setting) const {
    for (const std::string& s : settings)
      if (s == setting) return true;
    return false;
  }
  std::string name() const { return file + (settings.empty() ? "" : " with " + settings.front()); }
};

inline std::filesystem::path corpus_dir() { return std::filesystem::path(STRATA_SOURCE_DIR) / "tests" / "corpus"; }

inline std::string read_corpus_file(const std::string& file) {
  std::ifstream in(corpus_dir() / file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<CorpusCase> corpus_cases() {
  std::vector<CorpusCase> cases;
  std::istringstream table(read_corpus_file("expectations.tsv"));
  for (std::string row; std::getline(table, row);) {
    if (row.empty() || row[0] == '#') continue;
    std::istringstream fields(row);
    CorpusCase c;
    std::string settings, count;
    std::getline(fields, c.file, '\t');
    std::getline(fields, settings, '\t');
    std::getline(fields, count, '\t');
    std::getline(fields, c.mode, '\t');
    std::getline(fields, c.outcome, '\t');
    c.statements = std::stoul(count);
    std::istringstream list(settings == "-" ? "" : settings);
    for (std::string s; std::getline(list, s, ',');) c.settings.push_back(s);
    if (c.outcome.rfind("fails ", 0) == 0) {
      const std::string at = c.outcome.substr(6);
      c.line = std::stoi(at);
      c.column = std::stoi(at.substr(at.find(':') + 1));
    } else if (c.outcome.rfind("refused ", 0) == 0) {
      c.line = std::stoi(c.outcome.substr(8));
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace strata::test
