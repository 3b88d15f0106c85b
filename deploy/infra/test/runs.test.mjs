// CDK assertion tests of the run recording: EventBridge rule, runs table, the recorder's
// least-privilege role, the dashboard, and the per-environment retry policy.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../lib/app.mjs';
import { ENVIRONMENTS, settingsFor } from '../lib/config.mjs';

const CDK_JSON = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'));
const outRoot = mkdtempSync(join(tmpdir(), 'strata-cdk-runs-test-'));
after(() => rmSync(outRoot, { recursive: true, force: true }));
const newApp = (context = {}) => new App({ outdir: mkdtempSync(join(outRoot, 'app-')), context: { ...CDK_JSON.context, ...context } });

const templates = {};
before(() => {
  const { stacks } = buildApp(newApp());
  for (const env of ENVIRONMENTS) templates[env] = Template.fromStack(stacks[env]);
});

const only = (template, type) => {
  const all = Object.entries(template.findResources(type));
  assert.equal(all.length, 1, `exactly one ${type}`);
  return { id: all[0][0], ...all[0][1] };
};
const recorderOf = (t, env) => {
  const [entry] = Object.entries(t.findResources('AWS::Lambda::Function'))
    .filter(([, r]) => r.Properties.FunctionName === `strata-record-${env}`);
  assert.ok(entry, `function strata-record-${env}`);
  return { id: entry[0], ...entry[1] };
};
const statementsOfRole = (t, roleId) => Object.values(t.findResources('AWS::IAM::Policy'))
  .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
  .flatMap((p) => p.Properties.PolicyDocument.Statement);

describe('EventBridge rule', () => {
  test('matches STOPPED task state changes of this cluster\'s two families and targets onTaskStopped', () => {
    const t = templates.staging;
    const rule = only(t, 'AWS::Events::Rule').Properties;
    assert.deepEqual(rule.EventPattern, {
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [{ 'Fn::GetAtt': [only(t, 'AWS::ECS::Cluster').id, 'Arn'] }],
        group: ['family:strata-migrate-staging', 'family:strata-check-staging'],
        lastStatus: ['STOPPED'],
      },
    });
    assert.equal(rule.State, 'ENABLED');
    const recorder = recorderOf(t, 'staging');
    assert.equal(recorder.Properties.Handler, 'index.onTaskStopped');
    const [target] = rule.Targets;
    assert.deepEqual(target.Arn, { 'Fn::GetAtt': [recorder.id, 'Arn'] });
    assert.deepEqual(target.DeadLetterConfig.Arn, { 'Fn::GetAtt': [only(t, 'AWS::SQS::Queue').id, 'Arn'] });
    assert.equal(target.RetryPolicy.MaximumRetryAttempts, 8);
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [recorder.id, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [only(t, 'AWS::Events::Rule').id, 'Arn'] },
    });
  });
});

describe('runs table', () => {
  test('on demand, point-in-time recovery on, retained, keyed by run id, indexed by environment and start', () => {
    for (const env of ENVIRONMENTS) {
      const table = only(templates[env], 'AWS::DynamoDB::GlobalTable');
      const p = table.Properties;
      assert.equal(p.TableName, `strata-runs-${env}`);
      assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(p.KeySchema, [{ AttributeName: 'runId', KeyType: 'HASH' }]);
      assert.equal(table.DeletionPolicy, 'Retain');
      const [replica] = p.Replicas;
      assert.deepEqual(replica.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
      assert.equal(replica.DeletionProtectionEnabled, true);
      assert.deepEqual(p.GlobalSecondaryIndexes.map((i) => [i.IndexName, i.KeySchema]), [['byEnvironment', [
        { AttributeName: 'environment', KeyType: 'HASH' }, { AttributeName: 'startedAt', KeyType: 'RANGE' },
      ]]]);
    }
  });
});

describe('recorder least privilege', () => {
  test('writes only its table, publishes only to its topic, reads only the migration logs, reruns only its families', () => {
    const t = templates.prod;
    const recorder = recorderOf(t, 'prod');
    const roleId = recorder.Properties.Role['Fn::GetAtt'][0];
    assert.equal(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns, undefined, 'no managed policies');
    const statements = statementsOfRole(t, roleId);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid).sort(),
      ['MailFailures', 'PassTaskRoles', 'ReadMigrationLogs', 'RecordRuns', 'RetryMigrationTask', 'WriteOwnLogs']);
    assert.ok(statements.every((s) => s.Effect === 'Allow' && s.Resource !== '*'), 'no wildcard resource');
    const tableArn = { 'Fn::GetAtt': [only(t, 'AWS::DynamoDB::GlobalTable').id, 'Arn'] };
    assert.equal(bySid.RecordRuns.Action, 'dynamodb:UpdateItem');
    assert.deepEqual(bySid.RecordRuns.Resource, tableArn);
    assert.deepEqual(bySid.MailFailures, {
      Sid: 'MailFailures', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: only(t, 'AWS::SNS::Topic').id },
    });
    assert.ok(JSON.stringify(bySid.ReadMigrationLogs.Resource).includes(':log-group:/strata/prod/migrations:log-stream:*'));
    assert.equal(bySid.ReadMigrationLogs.Action, 'logs:GetLogEvents');
    assert.equal(bySid.RetryMigrationTask.Action, 'ecs:RunTask');
    assert.deepEqual(bySid.RetryMigrationTask.Condition,
      { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [only(t, 'AWS::ECS::Cluster').id, 'Arn'] } } });
    assert.deepEqual(bySid.PassTaskRoles.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });

    // Nothing else in the stack may write the table or publish to the topic, except the starter's UpdateItem.
    const writers = Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [].concat(s.Action).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)));
    assert.deepEqual(writers.map((s) => s.Sid).sort(), ['RecordRunStart', 'RecordRuns']);
  });

  test('the recorder gets the table, topic, log and retry policy; prod never repairs by default', () => {
    const expected = { dev: ['3', '15', 'true'], staging: ['3', '30', 'true'], prod: ['3', '60', 'false'] };
    for (const env of ENVIRONMENTS) {
      const t = templates[env];
      const v = recorderOf(t, env).Properties.Environment.Variables;
      assert.deepEqual([v.RETRY_MAX_ATTEMPTS, v.RETRY_BASE_DELAY_SECONDS, v.AUTO_REPAIR], expected[env], env);
      assert.deepEqual(v.TOPIC_ARN, { Ref: only(t, 'AWS::SNS::Topic').id });
      assert.deepEqual(v.RUNS_TABLE, { Ref: only(t, 'AWS::DynamoDB::GlobalTable').id });
      const logGroup = Object.entries(t.findResources('AWS::Logs::LogGroup')).find(([, r]) => r.Properties.LogGroupName === `/strata/${env}/migrations`);
      assert.deepEqual(v.LOG_GROUP, { Ref: logGroup[0] });
    }
  });
});

describe('dashboard and retry policy settings', () => {
  test('a dashboard graphs runs, failures, duration (median, p95) and migrations applied of its environment', () => {
    const body = JSON.stringify(only(templates.staging, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const part of ['Strata/Migrations', 'Runs', 'Failures', 'Duration', 'MigrationsApplied', 'p50', 'p95', 'Environment', 'staging']) {
      assert.ok(body.includes(part), `the dashboard shows ${part}`);
    }
  });

  test('context overrides the policy per environment; bad values are refused naming the key', () => {
    const app = newApp({ 'strata:prod:autoRepair': 'true', 'strata:retryMaxAttempts': '5' });
    assert.deepEqual(settingsFor(app.node, 'prod').retryPolicy, { maxAttempts: 5, baseDelaySeconds: 60, autoRepair: true });
    assert.throws(() => settingsFor(newApp({ 'strata:dev:retryMaxAttempts': '11' }).node, 'dev'), /strata:dev:retryMaxAttempts/);
    assert.throws(() => settingsFor(newApp({ 'strata:dev:retryBaseDelaySeconds': '301' }).node, 'dev'), /retryBaseDelaySeconds/);
    assert.throws(() => settingsFor(newApp({ 'strata:dev:autoRepair': 'maybe' }).node, 'dev'), /strata:dev:autoRepair/);
  });
});
