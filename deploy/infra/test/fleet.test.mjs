// CDK assertion tests of fleet mode (context fleetShards): the state machine's definition,
// its least-privilege role, the aggregator, and how the starter is wired to it.
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
const outRoot = mkdtempSync(join(tmpdir(), 'strata-cdk-fleet-test-'));
after(() => rmSync(outRoot, { recursive: true, force: true }));
const newApp = (context = {}) => new App({ outdir: mkdtempSync(join(outRoot, 'app-')), context: { ...CDK_JSON.context, ...context } });

const FLEET = { 'strata:staging:fleetShards': '4', 'strata:staging:fleetConcurrency': '2', 'strata:staging:fleetEnvironment': 'tenants' };
let fleet;
let plain;
before(() => {
  fleet = Template.fromStack(buildApp(newApp(FLEET)).stacks.staging);
  const { stacks } = buildApp(newApp());
  plain = Object.fromEntries(ENVIRONMENTS.map((env) => [env, Template.fromStack(stacks[env])]));
});

const entries = (t, type) => Object.entries(t.findResources(type));
const only = (t, type) => {
  const all = entries(t, type);
  assert.equal(all.length, 1, `exactly one ${type}`);
  return { id: all[0][0], ...all[0][1] };
};
const functionNamed = (t, name) => {
  const [entry] = entries(t, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.FunctionName === name);
  assert.ok(entry, `function ${name}`);
  return { id: entry[0], ...entry[1] };
};
const statementsOfRole = (t, roleId) => Object.values(t.findResources('AWS::IAM::Policy'))
  .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId))
  .flatMap((p) => p.Properties.PolicyDocument.Statement);
const statement = (statements, sid) => {
  const found = statements.filter((s) => s.Sid === sid);
  assert.equal(found.length, 1, `one statement ${sid}`);
  return found[0];
};

/** The state machine's definition as JSON: references become "<Ref X>" / "<X.Attr>" markers. */
function definitionOf(t) {
  const body = only(t, 'AWS::StepFunctions::StateMachine').Properties.DefinitionString;
  const parts = body['Fn::Join'] ? body['Fn::Join'][1] : [body];
  const text = parts.map((p) => {
    if (typeof p === 'string') return p;
    if (p.Ref) return `<Ref ${p.Ref}>`;
    if (p['Fn::GetAtt']) return `<${p['Fn::GetAtt'].join('.')}>`;
    throw new Error(`unexpected part ${JSON.stringify(p)}`);
  }).join('');
  return JSON.parse(text);
}

describe('fleet mode is off unless fleetShards is set', () => {
  test('no state machine, no aggregator and no fleet variables by default', () => {
    for (const env of ENVIRONMENTS) {
      const t = plain[env];
      assert.equal(entries(t, 'AWS::StepFunctions::StateMachine').length, 0, env);
      assert.equal(entries(t, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.FunctionName === `strata-fleet-${env}`).length, 0);
      assert.equal(functionNamed(t, `strata-migrate-${env}`).Properties.Environment.Variables.FLEET_STATE_MACHINE_ARN, undefined);
    }
  });

  test('only the environment given fleetShards gets fleet mode', () => {
    const { stacks } = buildApp(newApp(FLEET));
    assert.equal(entries(Template.fromStack(stacks.prod), 'AWS::StepFunctions::StateMachine').length, 0);
    assert.equal(entries(fleet, 'AWS::StepFunctions::StateMachine').length, 1);
  });
});

describe('the fleet state machine', () => {
  test('a Map over shard indexes 1..N with MaxConcurrency, then the aggregator', () => {
    const d = definitionOf(fleet);
    assert.equal(only(fleet, 'AWS::StepFunctions::StateMachine').Properties.StateMachineName, 'strata-staging-fleet');
    assert.equal(d.StartAt, 'ShardIndexes');
    assert.deepEqual(d.States.ShardIndexes.Parameters, { 'indexes.$': 'States.ArrayRange(1, 4, 1)' });
    assert.equal(d.States.ShardIndexes.Next, 'Shards');
    const map = d.States.Shards;
    assert.equal(map.Type, 'Map');
    assert.equal(map.MaxConcurrency, 2);
    assert.equal(map.ItemsPath, '$.fleet.indexes');
    assert.deepEqual(map.ItemSelector, { 'shard.$': '$$.Map.Item.Value', 'runId.$': '$.runId', 'taskDefinitionArn.$': '$.taskDefinitionArn' });
    assert.equal(map.ResultPath, '$.shardResults');
    assert.equal(map.Next, 'RecordFleetRun');
    const record = d.States.RecordFleetRun;
    assert.equal(record.Type, 'Task');
    assert.equal(record.End, true);
    assert.equal(record.Resource, `<${functionNamed(fleet, 'strata-fleet-staging').id}.Arn>`);
    assert.deepEqual(record.Parameters, {
      'runId.$': '$.runId', 'taskDefinitionArn.$': '$.taskDefinitionArn', 'startedAt.$': '$$.Execution.StartTime', 'shardResults.$': '$.shardResults',
    });
  });

  test('each shard is ecs:runTask.sync of the registered revision running `migrate -e FLEET --shard I/N` in the fleet task group', () => {
    const iteration = definitionOf(fleet).States.Shards.ItemProcessor;
    assert.equal(iteration.StartAt, 'RunShard');
    const run = iteration.States.RunShard;
    assert.equal(run.Type, 'Task');
    assert.equal(run.Resource, 'arn:<Ref AWS::Partition>:states:::ecs:runTask.sync');
    const p = run.Parameters;
    assert.equal(p.Cluster, `<${only(fleet, 'AWS::ECS::Cluster').id}.Arn>`);
    assert.equal(p['TaskDefinition.$'], '$.taskDefinitionArn', 'the revision the starter registered with the new image');
    assert.equal(p.LaunchType, 'FARGATE');
    assert.equal(p.Group, 'strata-staging-fleet');
    assert.equal(p.NetworkConfiguration.AwsvpcConfiguration.Subnets.length, 2);
    const [override] = p.Overrides.ContainerOverrides;
    assert.equal(override.Name, 'strata');
    assert.equal(override['Command.$'], "States.Array('migrate', '-e', 'tenants', '--shard', States.Format('{}/4', $.shard))");
    assert.deepEqual(override.Environment, [
      { Name: 'STRATA_RUN_ID', 'Value.$': '$.runId' }, { Name: 'STRATA_SHARD', 'Value.$': "States.Format('{}/4', $.shard)" },
    ]);
    assert.deepEqual(run.ResultSelector, { 'taskArn.$': '$.TaskArn' });
  });

  test('a failed shard is caught in its own iteration, so the other shards and the aggregator still run', () => {
    const { States } = definitionOf(fleet).States.Shards.ItemProcessor;
    assert.deepEqual(States.RunShard.Catch, [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ShardFailed' }]);
    assert.equal(States.ShardFailed.Type, 'Pass');
    assert.equal(States.ShardFailed.End, true);
    assert.deepEqual(States.RunShard.Retry.map((r) => r.ErrorEquals), [['ECS.AmazonECSException']], 'a strata failure is never retried');
  });

  test('the STOPPED rule does not match the fleet task group: shards are not recorded twice', () => {
    const rule = only(fleet, 'AWS::Events::Rule').Properties;
    assert.deepEqual(rule.EventPattern.detail.group, ['family:strata-migrate-staging', 'family:strata-check-staging']);
  });
});

describe('least privilege', () => {
  test('the state machine may run only the migrate family on this cluster and pass only its roles', () => {
    const role = only(fleet, 'AWS::StepFunctions::StateMachine').Properties.RoleArn['Fn::GetAtt'][0];
    const statements = statementsOfRole(fleet, role);
    const runTask = statement(statements, 'RunShardTask');
    assert.equal(runTask.Action, 'ecs:RunTask');
    assert.match(JSON.stringify(runTask.Resource), /task-definition\/strata-migrate-staging:\*/);
    assert.doesNotMatch(JSON.stringify(runTask.Resource), /strata-check/);
    assert.deepEqual(runTask.Condition, { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [only(fleet, 'AWS::ECS::Cluster').id, 'Arn'] } } });
    const pass = statement(statements, 'PassTaskRoles');
    assert.deepEqual(pass.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    const roleIds = (r) => r['Fn::GetAtt'][0];
    const taskRoles = entries(fleet, 'AWS::IAM::Role')
      .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks.amazonaws.com')).map(([id]) => id);
    assert.equal(taskRoles.length, 2, 'the execution role and the task role');
    assert.deepEqual(pass.Resource.map(roleIds).sort(), taskRoles.sort());
    assert.deepEqual(statement(statements, 'WatchShardTasks').Action.sort(), ['ecs:DescribeTasks', 'ecs:StopTask']);
    assert.match(JSON.stringify(statement(statements, 'TaskStateChangeRule').Resource), /rule\/StepFunctionsGetEventsForECSTaskRule/);
    const invoke = statements.filter((s) => [].concat(s.Action).includes('lambda:InvokeFunction'));
    assert.equal(invoke.length, 1);
    assert.match(JSON.stringify(invoke[0].Resource), new RegExp(functionNamed(fleet, 'strata-fleet-staging').id));
    for (const s of statements) assert.notEqual(s.Resource, '*', `${s.Sid ?? s.Action}: no "*" resource`);
  });

  test('the starter may start only this state machine and knows it and the shard count', () => {
    const runner = functionNamed(fleet, 'strata-migrate-staging');
    const stateMachine = only(fleet, 'AWS::StepFunctions::StateMachine').id;
    const start = statement(statementsOfRole(fleet, runner.Properties.Role['Fn::GetAtt'][0]), 'StartFleetRun');
    assert.equal(start.Action, 'states:StartExecution');
    assert.deepEqual(start.Resource, { Ref: stateMachine });
    assert.deepEqual(runner.Properties.Environment.Variables.FLEET_STATE_MACHINE_ARN, { Ref: stateMachine });
    assert.equal(runner.Properties.Environment.Variables.FLEET_SHARDS, '4');
  });

  test('the aggregator is index.onFleetFinished and may only read shard tasks and logs, record runs and e-mail', () => {
    const aggregator = functionNamed(fleet, 'strata-fleet-staging');
    assert.equal(aggregator.Properties.Handler, 'index.onFleetFinished');
    assert.equal(aggregator.Properties.Environment.Variables.FLEET_SHARDS, '4');
    assert.equal(aggregator.Properties.Environment.Variables.FLEET_STATE_MACHINE_ARN, undefined, 'it starts no run');
    const statements = statementsOfRole(fleet, aggregator.Properties.Role['Fn::GetAtt'][0]);
    assert.deepEqual(statements.flatMap((s) => [].concat(s.Action)).sort(), [
      'dynamodb:UpdateItem', 'ecs:DescribeTasks', 'logs:CreateLogStream', 'logs:GetLogEvents', 'logs:PutLogEvents', 'sns:Publish',
    ]);
    assert.match(JSON.stringify(statement(statements, 'ReadShardTasks').Resource), /:task\//);
  });

  test('an alarm when the aggregator fails', () => {
    fleet.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'strata-staging-fleet-recorder-error' });
  });
});

describe('fleet context keys', () => {
  const settings = (context) => settingsFor(newApp(context).node, 'dev');
  test('concurrency defaults to all shards; the fleet environment to the stack\'s', () => {
    assert.deepEqual(settings({ 'strata:dev:fleetShards': '6' }).fleet, { shards: 6, concurrency: 6, environment: 'dev' });
    assert.equal(settings({}).fleet, undefined);
  });
  test('bad values are refused with the key named', () => {
    assert.throws(() => settings({ 'strata:dev:fleetConcurrency': '2' }), /strata:dev:fleetConcurrency needs strata:dev:fleetShards/);
    assert.throws(() => settings({ 'strata:dev:fleetShards': '1001' }), /at most 1000/);
    assert.throws(() => settings({ 'strata:dev:fleetShards': '0' }), /strata:dev:fleetShards must be a positive integer/);
    assert.throws(() => settings({ 'strata:dev:fleetShards': '2', 'strata:dev:fleetEnvironment': "a'b" }), /not an environment name/);
  });
});
