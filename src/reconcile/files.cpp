// Step 1 of reconcile: the files, keyed as Flyway keys them.
#include <algorithm>

#include "reconcile/steps.hpp"

namespace strata::reconciling {
namespace {

bool versioned_before(const ResolvedMigration& m, const Version& v, const std::string& type) {
  if (auto c = *m.version <=> v; c != 0) return c < 0;
  return m.type < type;
}

}  // namespace

std::size_t Files::find_versioned(const Version& v, const std::string& type, std::size_t hint) const {
  // The hint is the answer when it holds (v, type) and nothing before it does; that is where
  // the binary search would land.
  if (hint < versioned.size() && *versioned[hint]->version == v && versioned[hint]->type == type &&
      (hint == 0 || versioned_before(*versioned[hint - 1], v, type))) {
    return hint;
  }
  auto it = std::partition_point(versioned.begin(), versioned.end(),
                                 [&](const ResolvedMigration* m) { return versioned_before(*m, v, type); });
  if (it == versioned.end() || !(*(*it)->version == v) || (*it)->type != type) return kNone;
  return static_cast<std::size_t>(it - versioned.begin());
}

std::size_t Files::find_repeatable(const std::string& description) const {
  auto it = std::lower_bound(repeatable.begin(), repeatable.end(), description,
                             [](const ResolvedMigration* m, const std::string& d) { return m->description < d; });
  if (it == repeatable.end() || (*it)->description != description) return kNone;
  return static_cast<std::size_t>(it - repeatable.begin());
}

Files index_files(const std::vector<ResolvedMigration>& resolved) {
  Files f;
  for (const ResolvedMigration& m : resolved) {
    if (!m.version) {
      f.repeatable.push_back(&m);
      continue;
    }
    f.versioned.push_back(&m);
    if (!f.highest || *m.version > *f.highest) f.highest = m.version;
  }
  stable_sort_unless_sorted(f.versioned.begin(), f.versioned.end(),
                            [](const ResolvedMigration* a, const ResolvedMigration* b) {
                              return versioned_before(*a, *b->version, b->type);
                            });
  stable_sort_unless_sorted(f.repeatable.begin(), f.repeatable.end(),
                   [](const ResolvedMigration* a, const ResolvedMigration* b) { return a->description < b->description; });
  // Flyway keeps repeatables in a map by description: of two with the same one, the last wins.
  auto& rr = f.repeatable;
  std::size_t out = 0;
  for (std::size_t i = 0; i < rr.size(); ++i) {
    if (i + 1 < rr.size() && rr[i + 1]->description == rr[i]->description) continue;
    rr[out++] = rr[i];
  }
  rr.resize(out);
  return f;
}

}  // namespace strata::reconciling
