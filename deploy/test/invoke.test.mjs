// Tests of deploy/invoke.mjs (the CI side of a migration) with aws-sdk-client-mock.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

import { createLambdaClient, main, parseCli } from '../invoke.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHA = '0123456789abcdef0123456789abcdef01234567';
const TASK_ARN = 'arn:aws:ecs:eu-west-1:000000000000:task/strata-staging/5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f';
const encode = (value) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const lambdaMock = mockClient(LambdaClient);

function sink() {
  const chunks = [];
  return { write: (s) => { chunks.push(s); return true; }, get text() { return chunks.join(''); } };
}

async function run(argv, env = { AWS_REGION: 'eu-west-1' }) {
  const stdout = sink();
  const stderr = sink();
  const written = [];
  const code = await main(argv, {
    env,
    client: new LambdaClient({ region: 'eu-west-1' }),
    stdout,
    stderr,
    write: (file, text) => written.push({ file, text }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text, written };
}

const success = {
  status: 'SUCCEEDED', exitCode: 0, taskArn: TASK_ARN, environment: 'staging', command: 'migrate',
  logGroup: '/strata/staging/migrations', logStream: 'migrate/strata/5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f',
  logUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/x',
  image: `000000000000.dkr.ecr.eu-west-1.amazonaws.com/strata-migrations-staging:${SHA}`, durationMs: 42_000,
};

beforeEach(() => lambdaMock.reset());

describe('invoke.mjs', () => {
  test('success: sends the request synchronously, prints the outcome and the log link, exits 0', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(success) });

    const { code, stdout, stderr, written } = await run(
      ['--environment', 'staging', '--image-tag', SHA, '--output', 'migration-result.json']);

    assert.equal(code, 0, stderr);
    const [call] = lambdaMock.commandCalls(InvokeCommand);
    const input = call.args[0].input;
    assert.equal(input.FunctionName, 'strata-migrate-staging');
    assert.equal(input.InvocationType, 'RequestResponse');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input.Payload)), { environment: 'staging', imageTag: SHA });
    assert.match(stdout, /strata migrate in staging: SUCCEEDED \(exit code 0\)/);
    assert.ok(stdout.includes(TASK_ARN));
    assert.ok(stdout.includes(success.logUrl));
    assert.ok(stdout.includes('migrate/strata/5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f'));
    assert.equal(written.length, 1);
    assert.equal(written[0].file, 'migration-result.json');
    assert.deepEqual(JSON.parse(written[0].text), success);
  });

  test('migration failure (FunctionError): prints the Lambda\'s error and exits 1', async () => {
    const message = `strata migrate failed in staging: exit code 1 (migration or validation failed). Task: ${TASK_ARN}. Logs: https://x`;
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'MigrationFailed', errorMessage: message, trace: ['MigrationFailed: ...'] }),
    });

    const { code, stdout, stderr, written } = await run(
      ['--environment', 'staging', '--image-tag', SHA, '--function', 'custom-fn', '--output', 'r.json']);

    assert.equal(code, 1);
    assert.equal(lambdaMock.commandCalls(InvokeCommand)[0].args[0].input.FunctionName, 'custom-fn');
    assert.match(stderr, /migration FAILED \(MigrationFailed\) via custom-fn/);
    assert.ok(stderr.includes(message));
    assert.doesNotMatch(stdout, /SUCCEEDED/);
    assert.equal(JSON.parse(written[0].text).errorType, 'MigrationFailed');
  });

  test('a Lambda timeout (Task timed out, no JSON error type) fails the job', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200, FunctionError: 'Unhandled', Payload: encode('Task timed out after 900.00 seconds'),
    });
    const { code, stderr } = await run(['--environment', 'prod', '--image-tag', SHA]);
    assert.equal(code, 1);
    assert.match(stderr, /migration FAILED \(Unhandled\) via strata-migrate-prod:\n {2}Task timed out after 900\.00 seconds/);
  });

  test('an answer that is not a success fails the job', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ status: 'FAILED', exitCode: 1 }) });
    const { code, stderr } = await run(['--environment', 'staging', '--image-tag', SHA]);
    assert.equal(code, 1);
    assert.match(stderr, /UnexpectedResponse/);
  });

  test('an AWS error (e.g. AccessDenied) fails the job with the reason', async () => {
    const denied = new Error('User is not authorized to perform: lambda:InvokeFunction');
    denied.name = 'AccessDeniedException';
    lambdaMock.on(InvokeCommand).rejects(denied);
    const { code, stderr } = await run(['--environment', 'staging', '--image-tag', SHA]);
    assert.equal(code, 1);
    assert.match(stderr, /AccessDeniedException.*could not invoke strata-migrate-staging: User is not authorized/s);
  });

  test('command, digest and task definition options reach the payload; env supplies the defaults', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    assert.deepEqual(
      parseCli(['--image-digest', digest, '--command', 'validate'], { STRATA_ENVIRONMENT: 'dev', STRATA_LAMBDA_FUNCTION: 'fn', AWS_REGION: 'us-east-2' }),
      { functionName: 'fn', region: 'us-east-2', output: undefined, payload: { environment: 'dev', imageDigest: digest, command: 'validate' } },
    );
    const arn = 'arn:aws:ecs:eu-west-1:000000000000:task-definition/strata-migrate-dev:4';
    assert.deepEqual(parseCli(['--environment', 'dev', '--task-definition-arn', arn, '--region', 'eu-west-1'], {}).payload,
      { environment: 'dev', taskDefinitionArn: arn });
  });

  test('usage errors exit 2 without calling AWS', async () => {
    for (const argv of [
      ['--image-tag', SHA],
      ['--environment', 'staging'],
      ['--environment', 'staging', '--image-tag', SHA, '--image-digest', 'sha256:x'],
      ['--environment', 'staging', '--image-tag', SHA, '--bogus'],
    ]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, /usage: invoke\.mjs/);
    }
    assert.equal(lambdaMock.calls().length, 0);
  });

  test('the real client never retries an invoke and waits longer than the Lambda may run', async () => {
    const client = createLambdaClient('eu-west-1');
    assert.equal(await client.config.maxAttempts(), 1);
    // The handler resolves its options lazily; read them the way it does.
    const handler = client.config.requestHandler;
    const handlerConfig = handler.config ?? await handler.configProvider;
    assert.ok(handlerConfig.requestTimeout > 15 * 60 * 1000, `requestTimeout ${handlerConfig.requestTimeout}`);
  });

  test('as a program: no region is a usage error (exit 2)', async () => {
    const env = { PATH: process.env.PATH };
    await assert.rejects(
      promisify(execFile)(process.execPath, [join(here, '..', 'invoke.mjs'), '--environment', 'dev', '--image-tag', 'x'], { env }),
      (error) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr, /no region/);
        return true;
      },
    );
  });
});
