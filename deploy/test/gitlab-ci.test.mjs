// Which jobs run when: .gitlab-ci.yml evaluated by gitlab-ci-local (installed from
// deploy/package-lock.json) in throwaway git repositories, one per scenario.
//
// gitlab-ci-local evaluates job rules (if, changes: `git diff --name-only
// origin/<default branch>`) and validates the file against GitLab's JSON schema,
// but it does not stop a pipeline whose workflow:rules say never. So each scenario
// copy also gets a probe job whose rules are the workflow's rules: the probe's
// `when` is the workflow's decision, taken by gitlab-ci-local's own rule engine.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const deployDir = join(here, '..');
const repoRoot = join(deployDir, '..');
const GCL = join(deployDir, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const CI_FILE = readFileSync(join(repoRoot, '.gitlab-ci.yml'), 'utf8');
const PROBE = 'workflow-probe';
const PREDEFINED = 'CI_PIPELINE_SOURCE,CI_DEFAULT_BRANCH,CI_COMMIT_BRANCH,CI_OPEN_MERGE_REQUESTS,CI_MERGE_REQUEST_IID,CI_MERGE_REQUEST_SOURCE_BRANCH_NAME,CI_MERGE_REQUEST_TARGET_BRANCH_NAME';

// The parsed file, custom tags (!reference) kept as plain values: for reading workflow:rules.
const customTags = [{ tag: '!reference', collection: 'seq', resolve: (seq) => seq.toJSON() }];
const parsed = YAML.parse(CI_FILE, { customTags });

const work = mkdtempSync(join(tmpdir(), 'strata-gitlab-ci-'));
after(() => rmSync(work, { recursive: true, force: true }));

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'ci-test', GIT_AUTHOR_EMAIL: 'ci-test@example.invalid',
  GIT_COMMITTER_NAME: 'ci-test', GIT_COMMITTER_EMAIL: 'ci-test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

let counter = 0;
/**
 * A throwaway repository: `main` at a base commit that origin/main (the default branch)
 * points at, then `branch` with one commit that adds `changed` files.
 */
function makeRepo({ branch = 'main', changed = [], ciFile = CI_FILE } = {}) {
  counter += 1;
  const dir = join(work, `repo-${counter}`);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  const probe = `\n${PROBE}:\n  stage: test\n  script: ["true"]\n  rules: ${JSON.stringify(parsed.workflow.rules)}\n`;
  writeFileSync(join(dir, '.gitlab-ci.yml'), ciFile + probe);
  writeFileSync(join(dir, 'README.md'), 'strata\n');
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations', 'V1__init.sql'), 'create table t (id int);\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'remote', 'add', 'origin', 'https://gitlab.example.com/acme/strata.git');
  git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
  if (branch !== 'main') git(dir, 'checkout', '-q', '-b', branch);
  for (const file of changed) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), `-- changed ${file}\n`);
  }
  if (changed.length > 0) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `change ${changed.join(' ')}`);
  }
  return dir;
}

/** Runs gitlab-ci-local in `dir`; resolves to { status, stdout, stderr }. */
function gcl(dir, args, { variables = {}, unset = [], schema = false } = {}) {
  const argv = [GCL, ...args, '--home', join(dir, '.gcl-home'), '--ignore-predefined-vars', PREDEFINED, '--no-color'];
  // The GitLab schema check costs a second or two a run: done once, in the --preview test.
  if (!schema) argv.push('--json-schema-validation=false');
  for (const [k, v] of Object.entries(variables)) argv.push('--variable', `${k}=${v}`);
  for (const k of unset) argv.push('--unset-variable', k);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: dir, env: { ...process.env, CI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** { job: when } for a scenario, plus the workflow's decision. */
async function jobsFor(scenario) {
  const dir = makeRepo(scenario);
  const res = await gcl(dir, ['--list-json'], scenario);
  assert.equal(res.status, 0, `gitlab-ci-local --list-json failed:\n${res.stdout}\n${res.stderr}`);
  const list = JSON.parse(res.stdout.slice(res.stdout.indexOf('[')));
  const whenOf = Object.fromEntries(list.map((j) => [j.name, j.when]));
  const workflow = whenOf[PROBE];
  delete whenOf[PROBE];
  return { workflow, whenOf, list, dir };
}

/** Jobs that would be in the pipeline (when != never), with their `when`. */
const active = ({ whenOf }) => Object.fromEntries(Object.entries(whenOf).filter(([, when]) => when !== 'never'));

const MR = {
  variables: {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '7',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
  },
  unset: ['CI_COMMIT_BRANCH'], // GitLab does not set it in merge request pipelines
};
const DELIVERY = {
  test: 'on_success', build: 'on_success', 'deploy-staging': 'on_success', 'gate-production': 'on_success', 'deploy-production': 'manual',
};

describe('which jobs run', { concurrency: 2 }, () => {
  test('merge request pipeline (migration change): only test; no image is built', async () => {
    const result = await jobsFor({ branch: 'feature', changed: ['migrations/V2__add_orders.sql'], ...MR });
    assert.equal(result.workflow, 'on_success', 'the workflow creates merge request pipelines');
    assert.deepEqual(active(result), { test: 'on_success' });
  });

  test('merge request pipeline (src and Dockerfile change): still only test', async () => {
    const result = await jobsFor({ branch: 'feature', changed: ['src/main.cpp', 'Dockerfile'], ...MR });
    assert.deepEqual(active(result), { test: 'on_success' });
  });

  test('default branch, migration change: test, build, deploy-staging, manual deploy-production', async () => {
    const result = await jobsFor({ changed: ['migrations/V2__add_orders.sql'] });
    assert.equal(result.workflow, 'on_success');
    assert.deepEqual(active(result), DELIVERY);
  });

  test('default branch, change in a migrations sub-folder: delivery runs', async () => {
    assert.deepEqual(active(await jobsFor({ changed: ['migrations/release2/V3__index.sql'] })), DELIVERY);
  });

  test('default branch, src change: delivery runs', async () => {
    assert.deepEqual(active(await jobsFor({ changed: ['src/cli/migrate.cpp'] })), DELIVERY);
  });

  test('default branch, Dockerfile change: delivery runs', async () => {
    assert.deepEqual(active(await jobsFor({ changed: ['Dockerfile'] })), DELIVERY);
  });

  test('default branch, a change to anything else the image is built from: delivery runs', async () => {
    for (const changed of [['include/strata/config.hpp'], ['CMakeLists.txt'], ['scripts/runtime-rootfs'],
      ['scripts/bootstrap'], ['deploy/rds-ca/global-bundle.pem'], ['.dockerignore']]) {
      assert.deepEqual(active(await jobsFor({ changed })), DELIVERY, changed[0]);
    }
  });

  test('default branch without migration, src or Dockerfile changes: only test', async () => {
    const result = await jobsFor({ changed: ['README.md', 'deploy/README.md', 'docs/usage.md'] });
    assert.equal(result.workflow, 'on_success');
    assert.deepEqual(active(result), { test: 'on_success' });
  });

  test('feature branch push without a merge request, migration change: only test', async () => {
    const result = await jobsFor({ branch: 'feature', changed: ['migrations/V2__add_orders.sql'] });
    assert.equal(result.workflow, 'on_success');
    assert.deepEqual(active(result), { test: 'on_success' });
  });

  test('branch push while a merge request is open: no branch pipeline (the MR pipeline runs instead)', async () => {
    const result = await jobsFor({ branch: 'feature', changed: ['src/a.cpp'], variables: { CI_OPEN_MERGE_REQUESTS: 'acme/strata!7' } });
    assert.equal(result.workflow, 'never');
  });
});

describe('job definitions (gitlab-ci-local --preview, schema-validated)', () => {
  let res;
  let preview;
  before(async () => {
    res = await gcl(makeRepo({ changed: ['migrations/V2__x.sql'] }), ['--preview'], { schema: true });
    preview = YAML.parse(res.stdout.slice(res.stdout.search(/^[a-z.]/m)), { customTags });
  });

  test('the file passes gitlab-ci-local\'s GitLab schema validation and expands', async () => {
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr + res.stdout, /json schema validated/);
    assert.deepEqual(preview.stages.filter((s) => !s.startsWith('.')), ['test', 'build', 'deploy']);
  });

  test('the schema check is real: an invalid value is refused', async () => {
    const broken = CI_FILE.replace('resource_group: production', 'resource_group: [production]');
    assert.notEqual(broken, CI_FILE);
    const bad = await gcl(makeRepo({ ciFile: broken }), ['--list-json'], { schema: true });
    assert.notEqual(bad.status, 0, 'expected a schema error');
    assert.match(bad.stdout + bad.stderr, /resource_group/);
  });

  test('test runs ./scripts/test on Debian bookworm with Node >= 20 (bookworm\'s nodejs is 18)', async () => {
    assert.equal(preview.test.stage, 'test');
    assert.match(preview.test.image.name ?? preview.test.image, /^node:(2[0-9]|[3-9][0-9])-bookworm$/);
    assert.deepEqual(preview.test.script, ['./scripts/test']);
  });

  test('build pushes with an OIDC ID token and docker-in-docker, never with stored keys', async () => {
    const build = preview.build;
    assert.deepEqual(Object.keys(build.id_tokens), ['GITLAB_OIDC_TOKEN']);
    assert.equal(build.id_tokens.GITLAB_OIDC_TOKEN.aud, '$CI_SERVER_URL');
    assert.ok(build.services.some((s) => (s.name ?? s).startsWith('docker:') && (s.name ?? s).endsWith('-dind')));
    assert.deepEqual(build.script, ['bash deploy/ci/build-push.sh']);
    assert.equal(build.variables.DOCKER_BUILD_TARGET, 'with-migrations');
    assert.doesNotMatch(CI_FILE, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  test('deploy-staging: environment staging, serialised, waits for build, runs the staging migration', async () => {
    const job = preview['deploy-staging'];
    assert.equal(job.stage, 'deploy');
    assert.equal(job.environment.name, 'staging');
    assert.equal(job.resource_group, 'staging');
    assert.deepEqual(job.needs.map((n) => n.job ?? n), ['build']);
    assert.equal(job.interruptible, false);
    assert.ok(job.id_tokens.GITLAB_OIDC_TOKEN);
    assert.deepEqual(job.script, ['bash deploy/ci/deploy.sh staging']);
  });

  test('deploy jobs wait for the outcome longer than 15 minutes, and the job timeout exceeds the wait', async () => {
    const minutes = (text) => text.split(' ').reduce((sum, part) => sum + Number.parseFloat(part) * (part.endsWith('h') ? 60 : 1), 0);
    for (const name of ['deploy-staging', 'deploy-production', 'gate-production']) {
      const job = preview[name];
      const wait = Number(job.variables.STRATA_WAIT_MINUTES);
      assert.ok(wait > 0, `${name} sets STRATA_WAIT_MINUTES`);
      assert.ok(minutes(job.timeout) > wait + 5, `${name}: timeout ${job.timeout} is longer than the wait of ${wait} min`);
    }
    assert.ok(Number(preview['deploy-staging'].variables.STRATA_WAIT_MINUTES) >= 120, 'a two-hour migration reports correctly');
  });

  test('gate-production: validates production read-only after build, before the manual job, result as artifact', async () => {
    const job = preview['gate-production'];
    assert.equal(job.stage, 'deploy');
    assert.deepEqual(job.needs.map((n) => n.job ?? n), ['build']);
    assert.equal(job.environment.name, 'production');
    assert.equal(job.environment.action, 'verify', 'the gate is no deployment');
    assert.equal(job.resource_group, 'production', 'never while a production migration runs');
    assert.deepEqual(job.script, ['bash deploy/ci/gate.sh prod']);
    assert.equal(job.variables.STRATA_GATE_DRY_RUN, 'false', 'the dry run is a variable-guarded step');
    assert.deepEqual(job.artifacts.paths, ['gate-validate.json', 'gate-dry-run.json']);
    assert.equal(job.artifacts.when, 'always', 'a failed gate keeps its result document');
    assert.ok(preview['deploy-production'].needs.some((n) => (n.job ?? n) === 'gate-production'), 'production waits for the gate');
  });

  test('deploy-production: manual, blocking, one at a time (resource_group), after staging', async () => {
    const job = preview['deploy-production'];
    assert.equal(job.environment.name, 'production');
    assert.equal(job.resource_group, 'production');
    assert.deepEqual(job.needs.map((n) => n.job ?? n).sort(), ['build', 'deploy-staging', 'gate-production']);
    const manualRule = job.rules.find((r) => r.when === 'manual');
    assert.ok(manualRule, 'the default-branch rule makes it manual');
    assert.equal(manualRule.allow_failure, false, 'a failed production migration fails the pipeline');
    assert.deepEqual(manualRule.changes, preview['deploy-staging'].rules.find((r) => r.changes).changes);
    assert.equal(job.interruptible, false);
    assert.deepEqual(job.script, ['bash deploy/ci/deploy.sh prod']);
  });
});

describe('needs chains (gitlab-ci-local --validate-dependency-chain)', () => {
  test('valid on the default branch with a migration change', async () => {
    const dir = makeRepo({ changed: ['migrations/V2__x.sql'] });
    const res = await gcl(dir, ['--validate-dependency-chain']);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  });

  test('valid in a merge request pipeline and on the default branch without changes', async () => {
    for (const scenario of [{ branch: 'feature', changed: ['migrations/V2__x.sql'], ...MR }, { changed: ['README.md'] }]) {
      const dir = makeRepo(scenario);
      const res = await gcl(dir, ['--validate-dependency-chain'], scenario);
      assert.equal(res.status, 0, `${JSON.stringify(scenario)}\n${res.stdout}\n${res.stderr}`);
    }
  });

  test('the check is real: a deploy whose build is filtered out is reported', async () => {
    // Mutant: build only for Dockerfile changes, deploys still for migrations.
    const broken = CI_FILE.replace(/(\nbuild:\n[\s\S]*?\n {2}rules:\n)(\s+- !reference \[\.delivery-rules, rules\]\n)/,
      '$1    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n      changes: [Dockerfile]\n');
    assert.notEqual(broken, CI_FILE, 'the mutation applied');
    const dir = makeRepo({ changed: ['migrations/V2__x.sql'], ciFile: broken });
    const res = await gcl(dir, ['--validate-dependency-chain']);
    assert.notEqual(res.status, 0, 'expected the broken chain to fail');
    assert.match(res.stdout + res.stderr, /build/);
  });
});
