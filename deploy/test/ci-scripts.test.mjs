// The CI job scripts (deploy/ci/*.sh) run against stub docker, aws, npm and node
// commands that record what they were asked to do: no Docker, AWS or network needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const deployDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'strata-ci-scripts-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SHA = '0123456789abcdef0123456789abcdef01234567';
const REPO = (env) => `000000000000.dkr.ecr.eu-west-1.amazonaws.com/strata-migrations-${env}`;
const ROLE = (env) => `arn:aws:iam::000000000000:role/strata-ci-${env}`;

// Each stub appends one JSON line per call: its name, arguments and the AWS env it saw.
const STUB = `#!/usr/bin/env bash
set -euo pipefail
name=$(basename "$0")
token_file_content=""
if [[ -n "\${AWS_WEB_IDENTITY_TOKEN_FILE:-}" && -f "\${AWS_WEB_IDENTITY_TOKEN_FILE}" ]]; then
  token_file_content=$(cat "\${AWS_WEB_IDENTITY_TOKEN_FILE}")
fi
STUB_NAME="$name" STUB_TOKEN="$token_file_content" "$STUB_REAL_NODE" -e '
  const [, ...args] = process.argv;
  const pick = (k) => process.env[k] ?? null;
  const line = { cmd: process.env.STUB_NAME, args, env: {
    AWS_ACCESS_KEY_ID: pick("AWS_ACCESS_KEY_ID"), AWS_SESSION_TOKEN: pick("AWS_SESSION_TOKEN"), AWS_REGION: pick("AWS_REGION"),
    AWS_ROLE_ARN: pick("AWS_ROLE_ARN"), AWS_WEB_IDENTITY_TOKEN_FILE: pick("AWS_WEB_IDENTITY_TOKEN_FILE"),
    AWS_ROLE_SESSION_NAME: pick("AWS_ROLE_SESSION_NAME"), token: process.env.STUB_TOKEN || null } };
  require("fs").appendFileSync(process.env.STUB_LOG, JSON.stringify(line) + "\\n");
' -- "$@"
case "$name $*" in
  "aws sts assume-role-with-web-identity"*) printf 'ASIAFAKEKEY\\tfakesecret\\tfakesessiontoken\\n' ;;
  "aws ecr get-login-password"*) echo fake-password ;;
  "aws ecr describe-images"*) exit "\${STUB_DESCRIBE_EXIT:-254}" ;;
  "docker login"*) cat >/dev/null ;;
  "node "*) exit "\${STUB_NODE_EXIT:-0}" ;;
esac
`;

function stubs() {
  const dir = mkdtempSync(join(work, 'bin-'));
  for (const name of ['docker', 'aws', 'npm', 'node']) {
    writeFileSync(join(dir, name), STUB);
    chmodSync(join(dir, name), 0o755);
  }
  return { bin: dir, log: join(dir, 'calls.jsonl') };
}

function run(script, args, env) {
  const { bin, log } = stubs();
  const cwd = mkdtempSync(join(work, 'cwd-'));
  const res = spawnSync('bash', [join(deployDir, 'ci', script), ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: cwd,
      STUB_LOG: log,
      STUB_REAL_NODE: process.execPath,
      GITLAB_OIDC_TOKEN: 'header.payload.signature',
      CI_COMMIT_SHA: SHA,
      CI_PROJECT_ID: '42',
      CI_JOB_ID: '1001',
      AWS_REGION: 'eu-west-1',
      ...env,
    },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return { ...res, calls, cwd };
}
const cmdline = (c) => `${c.cmd} ${c.args.join(' ')}`;

const BUILD_ENV = {
  STRATA_STAGING_ROLE_ARN: ROLE('staging'),
  STRATA_STAGING_ECR_REPOSITORY: REPO('staging'),
  STRATA_PROD_ROLE_ARN: ROLE('prod'),
  STRATA_PROD_ECR_REPOSITORY: REPO('prod'),
  CI_PROJECT_URL: 'https://gitlab.example.com/acme/strata',
};

describe('deploy/ci/build-push.sh', () => {
  test('builds once and pushes the commit tag to every environment with OIDC credentials', () => {
    const { status, stderr, calls } = run('build-push.sh', [], BUILD_ENV);
    assert.equal(status, 0, stderr);
    const builds = calls.filter((c) => c.cmd === 'docker' && c.args[0] === 'build');
    assert.equal(builds.length, 1, 'one build for all environments');
    const build = cmdline(builds[0]);
    assert.match(build, /--target with-migrations/);
    assert.match(build, /--tag strata-migrations:0123456789abcdef0123456789abcdef01234567 \.$/);
    assert.match(build, /org\.opencontainers\.image\.revision=0123456789abcdef/);

    for (const env of ['staging', 'prod']) {
      const sts = calls.find((c) => c.cmd === 'aws' && c.args[0] === 'sts' && c.args.includes(ROLE(env)));
      assert.ok(sts, `assumed the ${env} role`);
      assert.equal(sts.args[sts.args.indexOf('--web-identity-token') + 1], 'header.payload.signature');
      assert.equal(sts.args[sts.args.indexOf('--role-session-name') + 1], `gitlab-42-1001-${env}`);
      assert.equal(sts.env.AWS_ACCESS_KEY_ID, null, 'no keys before the exchange');
      const push = calls.find((c) => c.cmd === 'docker' && c.args[0] === 'push' && c.args[1] === `${REPO(env)}:${SHA}`);
      assert.ok(push, `pushed to ${env}`);
      assert.equal(push.env.AWS_ACCESS_KEY_ID, 'ASIAFAKEKEY');
      const login = calls.find((c) => c.cmd === 'docker' && c.args[0] === 'login' && c.args.at(-1) === '000000000000.dkr.ecr.eu-west-1.amazonaws.com');
      assert.ok(login);
      const describe = calls.find((c) => c.cmd === 'aws' && c.args[1] === 'describe-images' && c.args.includes(`strata-migrations-${env}`));
      assert.ok(describe.args.includes(`imageTag=${SHA}`));
      assert.equal(describe.env.AWS_SESSION_TOKEN, 'fakesessiontoken');
    }
    const order = calls.map(cmdline);
    const stagingPush = order.findIndex((l) => l.startsWith(`docker push ${REPO('staging')}`));
    const prodSts = order.findIndex((l) => l.includes(ROLE('prod')));
    assert.ok(stagingPush < prodSts, 'one environment after the other');
  });

  test('an image that is already in the repository is not pushed again (immutable tags)', () => {
    const { status, stdout, calls } = run('build-push.sh', [], { ...BUILD_ENV, STUB_DESCRIBE_EXIT: '0', STRATA_PUSH_ENVIRONMENTS: 'staging' });
    assert.equal(status, 0);
    assert.equal(calls.filter((c) => c.cmd === 'docker' && c.args[0] === 'push').length, 0);
    assert.match(stdout, /already exists; not pushing it again/);
  });

  test('missing CI/CD variables stop the job with a usage error', () => {
    const { status, stderr, calls } = run('build-push.sh', [], { STRATA_STAGING_ROLE_ARN: ROLE('staging') });
    assert.equal(status, 2);
    assert.match(stderr, /CI\/CD variable STRATA_STAGING_ECR_REPOSITORY is not set \(environment staging\)/);
    assert.equal(calls.length, 0, 'nothing built, no AWS call');
  });

  test('without an ID token the job fails before building', () => {
    const { status, stderr, calls } = run('build-push.sh', [], { ...BUILD_ENV, GITLAB_OIDC_TOKEN: '' });
    assert.notEqual(status, 0);
    assert.match(stderr, /GITLAB_OIDC_TOKEN is not set/);
    assert.equal(calls.length, 0);
  });
});

describe('deploy/ci/deploy.sh', () => {
  const DEPLOY_ENV = { STRATA_PROD_ROLE_ARN: ROLE('prod'), STRATA_PROD_REGION: 'eu-central-1', AWS_ACCESS_KEY_ID: 'AKIASTALE' };

  test('installs runtime deps only and invokes the Lambda with a web identity token file', () => {
    const { status, stderr, calls } = run('deploy.sh', ['prod'], DEPLOY_ENV);
    assert.equal(status, 0, stderr);
    const npm = calls.find((c) => c.cmd === 'npm');
    assert.deepEqual(npm.args, ['ci', '--prefix', deployDir, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
    const node = calls.find((c) => c.cmd === 'node');
    assert.deepEqual(node.args, [
      join(deployDir, 'invoke.mjs'), '--environment', 'prod', '--image-tag', SHA, '--function', 'strata-migrate-prod',
      '--command', 'migrate', '--wait-minutes', '240', '--output', 'migration-result.json',
    ]);
    assert.equal(node.env.AWS_ROLE_ARN, ROLE('prod'));
    assert.equal(node.env.AWS_REGION, 'eu-central-1');
    assert.equal(node.env.token, 'header.payload.signature', 'the ID token is in the token file');
    assert.equal(node.env.AWS_ACCESS_KEY_ID, null, 'stray static keys are not used');
    assert.equal(node.env.AWS_ROLE_SESSION_NAME, 'gitlab-42-1001-prod');
    assert.ok(!existsSync(node.env.AWS_WEB_IDENTITY_TOKEN_FILE), 'the token file is removed afterwards');
  });

  test('a failed migration (invoke exits 1) fails the job', () => {
    const { status } = run('deploy.sh', ['prod'], { ...DEPLOY_ENV, STUB_NODE_EXIT: '1' });
    assert.equal(status, 1);
  });

  test('the function name can be overridden per environment', () => {
    const { calls } = run('deploy.sh', ['staging'], { STRATA_STAGING_ROLE_ARN: ROLE('staging'), STRATA_STAGING_FUNCTION: 'custom' });
    const node = calls.find((c) => c.cmd === 'node');
    assert.equal(node.args[node.args.indexOf('--function') + 1], 'custom');
    assert.equal(node.env.AWS_REGION, 'eu-west-1', 'falls back to AWS_REGION');
  });

  test('read-only, dry run and the wait reach invoke.mjs', () => {
    const { calls } = run('deploy.sh', ['prod'], {
      ...DEPLOY_ENV, STRATA_COMMAND: 'validate', STRATA_READ_ONLY: 'true', STRATA_DRY_RUN: 'false', STRATA_WAIT_MINUTES: '30',
    });
    const node = calls.find((c) => c.cmd === 'node');
    assert.deepEqual(node.args.slice(-7), ['--command', 'validate', '--wait-minutes', '30', '--output', 'migration-result.json', '--read-only']);
  });

  test('usage errors: no environment, or no role for it', () => {
    assert.notEqual(run('deploy.sh', [], DEPLOY_ENV).status, 0);
    const { status, stderr, calls } = run('deploy.sh', ['staging'], DEPLOY_ENV);
    assert.equal(status, 2);
    assert.match(stderr, /set STRATA_STAGING_ROLE_ARN/);
    assert.equal(calls.length, 0);
  });
});

describe('deploy/ci/gate.sh', () => {
  const GATE_ENV = { STRATA_PROD_ROLE_ARN: ROLE('prod') };
  const invokes = (calls) => calls.filter((c) => c.cmd === 'node').map((c) => c.args.slice(1));

  test('validate with the read-only task definition; the dry run only when STRATA_GATE_DRY_RUN=true', () => {
    const off = run('gate.sh', ['prod'], GATE_ENV);
    assert.equal(off.status, 0, off.stderr);
    assert.deepEqual(invokes(off.calls), [[
      '--environment', 'prod', '--image-tag', SHA, '--function', 'strata-migrate-prod', '--command', 'validate',
      '--wait-minutes', '240', '--output', 'gate-validate.json', '--read-only',
    ]]);
    assert.match(off.stdout, /migrate --dry-run skipped/);

    const on = run('gate.sh', ['prod'], { ...GATE_ENV, STRATA_GATE_DRY_RUN: 'true' });
    assert.equal(on.status, 0, on.stderr);
    assert.deepEqual(invokes(on.calls)[1].slice(6), [
      '--command', 'migrate', '--wait-minutes', '240', '--output', 'gate-dry-run.json', '--read-only', '--dry-run',
    ]);
  });

  test('a failed validation fails the gate before any dry run', () => {
    const { status, calls } = run('gate.sh', ['prod'], { ...GATE_ENV, STRATA_GATE_DRY_RUN: 'true', STUB_NODE_EXIT: '1' });
    assert.equal(status, 1);
    assert.equal(invokes(calls).length, 1);
  });
});
