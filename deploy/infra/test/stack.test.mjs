// CDK assertion tests of the strata migration stacks (aws-cdk-lib/assertions under node --test).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../lib/app.mjs';
import { ENVIRONMENTS, settingsFor } from '../lib/config.mjs';
import { CONTAINER_NAME, TASK_USER } from '../lib/strata-stack.mjs';

const CDK_JSON = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'));

const outRoot = mkdtempSync(join(tmpdir(), 'strata-cdk-test-'));
after(() => rmSync(outRoot, { recursive: true, force: true }));

/** An app with the feature flags of cdk.json plus extra context, synthesizing into a temp dir. */
function newApp(context = {}) {
  return new App({ outdir: mkdtempSync(join(outRoot, 'app-')), context: { ...CDK_JSON.context, ...context } });
}

const IMPORTED = {
  'strata:prod:vpcId': 'vpc-0123456789abcdef0',
  'strata:prod:subnetIds': 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb',
  'strata:prod:oidcProvider': 'import',
};

const templates = {};
const imported = {};

before(() => {
  const { stacks } = buildApp(newApp());
  for (const env of ENVIRONMENTS) templates[env] = Template.fromStack(stacks[env]);
  imported.prod = Template.fromStack(buildApp(newApp(IMPORTED)).stacks.prod);
});

const onlyResource = (template, type) => {
  const all = template.findResources(type);
  assert.equal(Object.keys(all).length, 1, `exactly one ${type}`);
  const [[id, resource]] = Object.entries(all);
  return { id, ...resource };
};
const logicalId = (template, type, props) => {
  const found = Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
  assert.equal(found.length, 1, `exactly one ${type} matching ${JSON.stringify(props)}: ${found}`);
  return found[0];
};
const policyOf = (template, roleLogicalId) => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleLogicalId));
  assert.equal(policies.length, 1, `one inline policy for ${roleLogicalId}`);
  return policies[0].Properties.PolicyDocument.Statement;
};
const resourceNamed = (template, type, key, name) => {
  const found = Object.entries(template.findResources(type)).filter(([, r]) => r.Properties[key] === name);
  assert.equal(found.length, 1, `exactly one ${type} with ${key} ${name}`);
  return { id: found[0][0], ...found[0][1] };
};
const taskDefinitionOf = (template, family) => resourceNamed(template, 'AWS::ECS::TaskDefinition', 'Family', family);
const functionNamed = (template, name) => resourceNamed(template, 'AWS::Lambda::Function', 'FunctionName', name);
const actionsOf = (statements) => statements.flatMap((s) => [].concat(s.Action)).sort();

describe('one stack per environment from one definition', () => {
  test('dev, staging and prod exist with the same resource types', () => {
    const shape = (t) => Object.values(t.toJSON().Resources).map((r) => r.Type).sort();
    assert.deepEqual(shape(templates.staging), shape(templates.dev));
    assert.deepEqual(shape(templates.prod), shape(templates.dev));
  });

  test('deploy-time parameters; no account id is written into any template', () => {
    for (const env of ENVIRONMENTS) {
      const t = templates[env];
      for (const p of ['AlarmEmail', 'GitLabProjectPath', 'DatabaseUrl', 'DatabaseUser', 'DatabaseSecretArn', 'ReadOnlyDatabaseUser', 'ReadOnlyDatabaseSecretArn']) {
        t.hasParameter(p, { Type: 'String', Default: Match.absent() });
      }
      t.hasParameter('DeployBranch', { Type: 'String', Default: 'main' });
      const text = JSON.stringify(t.toJSON());
      assert.doesNotMatch(text, /(?<![0-9a-f])\d{12}(?![0-9a-f])/, `${env}: a 12-digit number (account id?) in the template`);
    }
  });
});

describe('ECR repository', () => {
  test('immutable tags, scan on push, lifecycle rule', () => {
    const repo = onlyResource(templates.staging, 'AWS::ECR::Repository');
    assert.equal(repo.Properties.RepositoryName, 'strata-migrations-staging');
    assert.equal(repo.Properties.ImageTagMutability, 'IMMUTABLE');
    assert.deepEqual(repo.Properties.ImageScanningConfiguration, { ScanOnPush: true });
    assert.equal(repo.DeletionPolicy, 'Retain');
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    assert.deepEqual(rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber]),
      [[1, 'untagged', 'sinceImagePushed', 7], [2, 'any', 'imageCountMoreThan', 50]]);
    assert.ok(rules.every((r) => r.action.type === 'expire'));
  });
});

describe('ECS', () => {
  test('cluster and a Fargate task definition running `strata migrate` as a non-root user', () => {
    const t = templates.prod;
    t.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: 'strata-prod' });
    const td = taskDefinitionOf(t, 'strata-migrate-prod').Properties;
    assert.deepEqual(td.RequiresCompatibilities, ['FARGATE']);
    assert.equal(td.NetworkMode, 'awsvpc');
    assert.equal(td.Cpu, '256');
    assert.equal(td.Memory, '512');
    assert.equal(td.ContainerDefinitions.length, 1);
    const [c] = td.ContainerDefinitions;
    assert.equal(c.Name, CONTAINER_NAME);
    assert.deepEqual(c.Command, ['migrate']);
    assert.equal(c.Essential, true);
    assert.equal(c.User, TASK_USER);
    assert.doesNotMatch(c.User, /^(0|root)(:|$)/, 'not root');
    assert.equal(c.ReadonlyRootFilesystem, true);
    const env = Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
    // What scripts/container-test runs the image with; a STRATA_ENVIRONMENT would make strata
    // look for that section in a strata.yaml the image does not have.
    assert.deepEqual(Object.keys(env).sort(), ['FLYWAY_URL', 'FLYWAY_USER', 'STRATA_LOG_FORMAT']);
    assert.equal(env.STRATA_LOG_FORMAT, 'json');
    assert.deepEqual(env.FLYWAY_URL, { Ref: 'DatabaseUrl' });
    assert.deepEqual(env.FLYWAY_USER, { Ref: 'DatabaseUser' });
    assert.equal(env.FLYWAY_PASSWORD, undefined, 'the password is no plain environment variable');
    assert.deepEqual(c.Secrets, [{
      Name: 'FLYWAY_PASSWORD',
      ValueFrom: { 'Fn::Join': ['', [{ Ref: 'DatabaseSecretArn' }, ':password::']] },
    }]);
    assert.equal(c.LogConfiguration.LogDriver, 'awslogs');
    assert.deepEqual(c.LogConfiguration.Options['awslogs-group'], { Ref: logicalId(t, 'AWS::Logs::LogGroup', { LogGroupName: '/strata/prod/migrations' }) });
    assert.equal(c.LogConfiguration.Options['awslogs-stream-prefix'], 'migrate');
  });

  test('a second family runs `strata validate` with the read-only user and secret, same image, roles and log', () => {
    const t = templates.prod;
    const migrate = taskDefinitionOf(t, 'strata-migrate-prod').Properties;
    const check = taskDefinitionOf(t, 'strata-check-prod').Properties;
    const [c] = check.ContainerDefinitions;
    assert.deepEqual(c.Command, ['validate']);
    assert.equal(c.User, TASK_USER);
    assert.equal(c.ReadonlyRootFilesystem, true);
    const env = Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
    assert.deepEqual(env.FLYWAY_USER, { Ref: 'ReadOnlyDatabaseUser' });
    assert.deepEqual(env.FLYWAY_URL, { Ref: 'DatabaseUrl' });
    assert.deepEqual(c.Secrets, [{
      Name: 'FLYWAY_PASSWORD', ValueFrom: { 'Fn::Join': ['', [{ Ref: 'ReadOnlyDatabaseSecretArn' }, ':password::']] },
    }]);
    assert.deepEqual(c.Image, migrate.ContainerDefinitions[0].Image);
    assert.deepEqual(c.LogConfiguration, migrate.ContainerDefinitions[0].LogConfiguration);
    assert.deepEqual([check.ExecutionRoleArn, check.TaskRoleArn], [migrate.ExecutionRoleArn, migrate.TaskRoleArn]);
  });

  test('log retention differs per environment', () => {
    for (const [env, days] of [['dev', 30], ['staging', 90], ['prod', 365]]) {
      templates[env].hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/strata/${env}/migrations`, RetentionInDays: days });
      templates[env].hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/strata-migrate-${env}`, RetentionInDays: days });
    }
  });

  test('the execution role reads exactly the two DB secrets; the task role has no permissions', () => {
    const t = templates.staging;
    const td = taskDefinitionOf(t, 'strata-migrate-staging').Properties;
    const execution = policyOf(t, td.ExecutionRoleArn['Fn::GetAtt'][0]);
    const secrets = execution.filter((s) => [].concat(s.Action).includes('secretsmanager:GetSecretValue'));
    assert.deepEqual(secrets.flatMap((s) => [].concat(s.Resource)), [{ Ref: 'DatabaseSecretArn' }, { Ref: 'ReadOnlyDatabaseSecretArn' }]);
    const taskRoleId = td.TaskRoleArn['Fn::GetAtt'][0];
    const taskRolePolicies = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === taskRoleId));
    assert.equal(taskRolePolicies.length, 0);
    assert.equal(t.toJSON().Resources[taskRoleId].Properties.ManagedPolicyArns, undefined);
  });
});

describe('runner Lambda', () => {
  test('nodejs22.x, starts and returns within a minute, configured from the stack', () => {
    const t = templates.dev;
    const fn = functionNamed(t, 'strata-migrate-dev').Properties;
    assert.equal(fn.Runtime, 'nodejs22.x');
    assert.equal(fn.Handler, 'index.handler');
    assert.equal(fn.Timeout, 60, 'no waiting for the task: a migration may take hours');
    const v = fn.Environment.Variables;
    assert.equal(v.TASK_DEFINITION, 'strata-migrate-dev');
    assert.equal(v.CHECK_TASK_DEFINITION, 'strata-check-dev');
    assert.deepEqual(v.RUNS_TABLE, { Ref: logicalId(t, 'AWS::DynamoDB::GlobalTable') });
    assert.equal(v.LOG_STREAM_PREFIX, 'migrate');
    assert.equal(v.CONTAINER_NAME, 'strata');
    assert.equal(v.STRATA_ENVIRONMENT, 'dev');
    assert.equal(v.ASSIGN_PUBLIC_IP, 'ENABLED', 'a created VPC has public subnets only');
    assert.deepEqual(v.CLUSTER, { 'Fn::GetAtt': [logicalId(t, 'AWS::ECS::Cluster'), 'Arn'] });
    assert.deepEqual(v.SECURITY_GROUPS, { 'Fn::GetAtt': [logicalId(t, 'AWS::EC2::SecurityGroup'), 'GroupId'] });
    const subnets = JSON.stringify(v.SUBNETS);
    assert.ok(subnets.includes('"Ref":"VpcpublicSubnet1Subnet') && subnets.includes('"Ref":"VpcpublicSubnet2Subnet'), subnets);
  });

  test('least privilege: exactly the ECS, PassRole, table and log actions it needs, scoped', () => {
    const t = templates.staging;
    const fn = functionNamed(t, 'strata-migrate-staging').Properties;
    const roleId = fn.Role['Fn::GetAtt'][0];
    assert.equal(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns, undefined, 'no managed policies');
    const statements = policyOf(t, roleId);
    assert.deepEqual(actionsOf(statements), [
      'dynamodb:UpdateItem', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:RunTask',
      'iam:PassRole', 'logs:CreateLogStream', 'logs:PutLogEvents',
    ]);
    assert.ok(statements.every((s) => s.Effect === 'Allow'));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

    const clusterId = logicalId(t, 'AWS::ECS::Cluster');
    const runTaskOn = JSON.stringify(bySid.RunMigrationTask.Resource);
    assert.ok(runTaskOn.includes(':task-definition/strata-migrate-staging:*"]]}') && runTaskOn.includes(':task-definition/strata-check-staging:*"]]}'), runTaskOn);
    assert.deepEqual(bySid.RunMigrationTask.Condition, { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [clusterId, 'Arn'] } } });
    assert.deepEqual(bySid.RecordRunStart.Resource, { 'Fn::GetAtt': [logicalId(t, 'AWS::DynamoDB::GlobalTable'), 'Arn'] });

    const td = taskDefinitionOf(t, 'strata-migrate-staging').Properties;
    assert.deepEqual(bySid.PassTaskRoles.Resource, [td.ExecutionRoleArn, td.TaskRoleArn], 'PassRole only for the two task roles');
    assert.deepEqual(bySid.PassTaskRoles.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });

    // "*" only where AWS offers no resource-level permission.
    const wildcard = statements.filter((s) => s.Resource === '*');
    assert.deepEqual(actionsOf(wildcard), ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition']);
    assert.deepEqual(bySid.WriteOwnLogs.Resource,
      { 'Fn::GetAtt': [logicalId(t, 'AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/strata-migrate-staging' }), 'Arn'] });
  });
});

describe('alarms', () => {
  test('a metric filter on { $.level = "error" } feeds an alarm that notifies SNS', () => {
    const t = templates.prod;
    const filter = onlyResource(t, 'AWS::Logs::MetricFilter').Properties;
    assert.equal(filter.FilterPattern, '{ $.level = "error" }');
    assert.deepEqual(filter.LogGroupName, { Ref: logicalId(t, 'AWS::Logs::LogGroup', { LogGroupName: '/strata/prod/migrations' }) });
    const [transform] = filter.MetricTransformations;
    const topicId = logicalId(t, 'AWS::SNS::Topic');
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: transform.MetricNamespace,
      MetricName: transform.MetricName,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  test('the Errors metric of each function (starter and recorder) has an alarm that notifies SNS', () => {
    const t = templates.prod;
    for (const name of ['strata-migrate-prod', 'strata-record-prod']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionNamed(t, name).id } }],
        Threshold: 1,
        AlarmActions: [{ Ref: logicalId(t, 'AWS::SNS::Topic') }],
      });
    }
    assert.equal(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length, 3);
  });

  test('the SNS topic mails the address given at deploy time', () => {
    const t = templates.dev;
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: { Ref: 'AlarmEmail' },
      TopicArn: { Ref: logicalId(t, 'AWS::SNS::Topic') },
    });
  });
});

describe('GitLab OIDC', () => {
  test('provider for gitlab.com and a CI role trusted only by the project and branch', () => {
    const t = templates.staging;
    const providerId = logicalId(t, 'AWS::IAM::OIDCProvider', { Url: 'https://gitlab.com', ClientIdList: ['https://gitlab.com'] });
    const ciRole = t.toJSON().Resources[logicalId(t, 'AWS::IAM::Role', { RoleName: 'strata-ci-staging' })].Properties;
    assert.deepEqual(ciRole.AssumeRolePolicyDocument.Statement, [{
      Action: 'sts:AssumeRoleWithWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: { Ref: providerId } },
      Condition: {
        StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' },
        StringLike: {
          'gitlab.com:sub': { 'Fn::Join': ['', ['project_path:', { Ref: 'GitLabProjectPath' }, ':ref_type:branch:ref:', { Ref: 'DeployBranch' }]] },
        },
      },
    }]);
    assert.equal(ciRole.MaxSessionDuration, 3600);
  });

  test('the CI role may push to its repository, invoke its Lambda and read its runs, nothing more', () => {
    const t = templates.staging;
    const statements = policyOf(t, logicalId(t, 'AWS::IAM::Role', { RoleName: 'strata-ci-staging' }));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid).sort(), ['EcrLogin', 'InvokeMigrationRunner', 'PushMigrationImage', 'ReadRuns']);
    assert.deepEqual(bySid.ReadRuns, {
      Sid: 'ReadRuns', Effect: 'Allow', Action: 'dynamodb:GetItem',
      Resource: { 'Fn::GetAtt': [logicalId(t, 'AWS::DynamoDB::GlobalTable'), 'Arn'] },
    });
    assert.deepEqual(bySid.EcrLogin.Action, 'ecr:GetAuthorizationToken');
    assert.deepEqual(bySid.PushMigrationImage.Resource, { 'Fn::GetAtt': [logicalId(t, 'AWS::ECR::Repository'), 'Arn'] });
    assert.ok(!actionsOf([bySid.PushMigrationImage]).some((a) => a.includes('*') || a.includes('Delete')));
    assert.deepEqual(bySid.InvokeMigrationRunner, {
      Sid: 'InvokeMigrationRunner', Effect: 'Allow', Action: 'lambda:InvokeFunction',
      Resource: { 'Fn::GetAtt': [functionNamed(t, 'strata-migrate-staging').id, 'Arn'] },
    });
  });
});

describe('imported VPC and OIDC provider (context)', () => {
  test('no VPC or provider is created; the task uses the given subnets without a public IP', () => {
    const t = imported.prod;
    t.resourceCountIs('AWS::EC2::VPC', 0);
    t.resourceCountIs('AWS::EC2::Subnet', 0);
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0' });
    const v = functionNamed(t, 'strata-migrate-prod').Properties.Environment.Variables;
    assert.equal(v.SUBNETS, 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb');
    assert.equal(v.ASSIGN_PUBLIC_IP, 'DISABLED');
    const ciRole = t.toJSON().Resources[logicalId(t, 'AWS::IAM::Role', { RoleName: 'strata-ci-prod' })].Properties;
    assert.deepEqual(ciRole.AssumeRolePolicyDocument.Statement[0].Principal.Federated, {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/gitlab.com']],
    });
  });

  test('bad context is refused with a message naming the key', () => {
    const bad = [
      [{ 'strata:prod:vpcId': 'vpc-0123456789abcdef0' }, /strata:prod:subnetIds is required/],
      [{ 'strata:prod:subnetIds': 'subnet-0aaaaaaaaaaaaaaaa' }, /needs strata:prod:vpcId/],
      [{ 'strata:prod:vpcId': 'vpc-0123', 'strata:prod:subnetIds': 'sub-1' }, /is not a subnet id/],
      [{ 'strata:prod:logRetentionDays': '42' }, /not a CloudWatch Logs retention period/],
      [{ 'strata:oidcProvider': 'maybe' }, /must be "create" or "import"/],
      [{ 'strata:gitlabUrl': 'http://gitlab.example.com' }, /https URL/],
      [{ 'strata:dev:assignPublicIp': 'yes' }, /must be true or false/],
    ];
    for (const [context, message] of bad) {
      const app = newApp(context);
      assert.throws(() => ENVIRONMENTS.forEach((env) => settingsFor(app.node, env)), message, JSON.stringify(context));
    }
    assert.throws(() => settingsFor(newApp().node, 'qa'), /unknown environment/);
  });

  test('a self-managed GitLab sets issuer, audience and condition keys', () => {
    const t = Template.fromStack(buildApp(newApp({ 'strata:gitlabUrl': 'https://gitlab.example.com/' })).stacks.dev);
    t.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab.example.com', ClientIdList: ['https://gitlab.example.com'] });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Condition: Match.objectLike({ StringEquals: { 'gitlab.example.com:aud': 'https://gitlab.example.com' } }) })] },
    });
  });
});

describe('CloudFormation validation at synth (@aws-cdk/core:validateAgainstDefaultRules)', () => {
  test('the flag exists in this aws-cdk-lib and cdk.json turns it on', () => {
    assert.equal(CDK_JSON.context['@aws-cdk/core:validateAgainstDefaultRules'], true);
  });

  test('with the flag, an invalid template fails synthesis (the validator is live)', () => {
    const canary = (flag) => {
      // appMode inmemory: the report goes into the exception instead of stderr.
      const app = newApp({ '@aws-cdk/core:validateAgainstDefaultRules': flag, '@aws-cdk/core:appMode': 'inmemory' });
      const stack = new Stack(app, 'canary');
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        maxAzs: 1, natGateways: 0, restrictDefaultSecurityGroup: false,
        subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
      });
      // An apostrophe is not allowed in a security group description: the deploy would fail.
      new ec2.SecurityGroup(stack, 'Sg', { vpc, description: "the database's group" });
      return app;
    };
    assert.throws(() => canary(true).synth(), /GroupDescription: 'the database's group' does not match pattern/);
    // Without the flag the same finding is only a warning (on stderr) and synthesis succeeds.
    const printed = [];
    const consoleError = console.error;
    console.error = (...args) => printed.push(args.join(' '));
    try {
      assert.doesNotThrow(() => canary(false).synth());
    } finally {
      console.error = consoleError;
    }
    assert.match(printed.join('\n'), /WARNING GroupDescription/);
  });

  test('the whole app synthesizes with validation errors and warnings fatal (created and imported VPC)', () => {
    for (const context of [{}, IMPORTED]) {
      const app = newApp({
        ...context,
        '@aws-cdk/core:validateAgainstDefaultRules': true,
        '@aws-cdk/core:strictCfnValidateErrors': true,
        '@aws-cdk/core:appMode': 'inmemory',
      });
      buildApp(app);
      const assembly = app.synth();
      assert.deepEqual(assembly.stacks.map((s) => s.stackName).sort(), ['strata-dev', 'strata-prod', 'strata-staging']);
    }
  });
});
