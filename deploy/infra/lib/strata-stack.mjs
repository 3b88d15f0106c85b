// One environment of strata's migration delivery: ECR repository, ECS cluster and
// Fargate task definitions running `strata migrate` (and, with read-only credentials,
// `strata validate`), the Lambda that CI invokes to start them, the run recording
// (runs.mjs: table, EventBridge rule, recorder, dashboard), alarms that e-mail the team,
// and the GitLab OIDC role CI assumes. With context fleetShards, fleet mode (fleet.mjs).

import { fileURLToPath } from 'node:url';

import {
  Annotations,
  CfnOutput,
  CfnParameter,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Tags,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
} from 'aws-cdk-lib';

import { addCiRole } from './ci-role.mjs';
import { FleetRun } from './fleet.mjs';
import { METRIC_NAMESPACE, RunRecording, functionLogsAndRole } from './runs.mjs';

export const LAMBDA_DIR = fileURLToPath(new URL('../../lambda/', import.meta.url));
export const CONTAINER_NAME = 'strata';
/** The numeric user the container runs as; the image needs no root. */
export const TASK_USER = '10001:10001';
export { METRIC_NAMESPACE };
export const LOG_STREAM_PREFIX = 'migrate';

export class StrataMigrationsStack extends Stack {
  /**
   * @param {import('constructs').Construct} scope
   * @param {string} id
   * @param {{ settings: ReturnType<typeof import('./config.mjs').settingsFor> } & import('aws-cdk-lib').StackProps} props
   */
  constructor(scope, id, props) {
    const { settings, ...stackProps } = props;
    super(scope, id, {
      description: `strata database migrations (${settings.envName}): ECR, ECS Fargate task, runner Lambda, alarms, GitLab OIDC role`,
      ...stackProps,
    });
    const env = settings.envName;
    Tags.of(this).add('project', 'strata');
    Tags.of(this).add('environment', env);

    // ---- Deploy-time parameters (no account data in the template) ----
    const alarmEmail = new CfnParameter(this, 'AlarmEmail', {
      type: 'String',
      description: 'E-mail address that receives migration alarms (confirm the SNS subscription mail)',
      allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'must be an e-mail address',
    });
    const projectPath = new CfnParameter(this, 'GitLabProjectPath', {
      type: 'String',
      description: 'GitLab project path whose CI may assume the deploy role, e.g. my-group/strata',
      allowedPattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$',
    });
    const deployBranch = new CfnParameter(this, 'DeployBranch', {
      type: 'String',
      default: 'main',
      description: 'Branch whose pipelines may assume the deploy role (IAM StringLike: * and ? allowed)',
      allowedPattern: '^[A-Za-z0-9_./*?-]+$',
    });
    const databaseUrl = new CfnParameter(this, 'DatabaseUrl', {
      type: 'String',
      description: 'Database URL for strata (FLYWAY_URL), e.g. jdbc:postgresql://db.internal:5432/app',
      allowedPattern: '^(jdbc:postgresql|postgres|postgresql)://.+$',
    });
    const databaseUser = new CfnParameter(this, 'DatabaseUser', {
      type: 'String',
      description: 'Database user strata connects as (FLYWAY_USER)',
      minLength: 1,
    });
    const databaseSecretArn = new CfnParameter(this, 'DatabaseSecretArn', {
      type: 'String',
      description: `Complete ARN of the Secrets Manager secret holding the password (JSON key "${settings.dbSecretKey}")`,
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$',
    });
    const readOnlyUser = new CfnParameter(this, 'ReadOnlyDatabaseUser', {
      type: 'String',
      description: 'Database user with read access only; the gate before production runs strata validate as it',
      minLength: 1,
    });
    const readOnlySecretArn = new CfnParameter(this, 'ReadOnlyDatabaseSecretArn', {
      type: 'String',
      description: `Complete ARN of the secret holding the read-only user's password (JSON key "${settings.dbSecretKey}")`,
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$',
    });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W2509',
      reason: 'DatabaseSecretArn is the ARN of the secret, not the password; it need not be NoEcho',
    });
    const initialImageTag = new CfnParameter(this, 'InitialImageTag', {
      type: 'String',
      default: 'bootstrap',
      description: 'Image tag of the base task definition; the Lambda replaces it with the tag CI built on every run',
    });

    // ---- Network ----
    let vpc;
    let subnetIds;
    if (settings.vpcId) {
      // Only the VPC id is used (security group, cluster); the task's subnets are passed
      // to RunTask as ids. The AZ list is required by the import but never rendered.
      vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: settings.vpcId, availabilityZones: Fn.getAzs() });
      Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
        'only the VPC id of the imported VPC is used');
      subnetIds = settings.subnetIds;
    } else {
      vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
        restrictDefaultSecurityGroup: false,
      });
      subnetIds = vpc.publicSubnets.map((s) => s.subnetId);
    }
    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: `strata migration task (${env}): no inbound, allow it on the security group of the database`,
      allowAllOutbound: true,
    });

    // ---- Image registry ----
    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName: `strata-migrations-${env}`,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { rulePriority: 1, description: 'drop untagged layers after 7 days', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(7) },
        { rulePriority: 2, description: `keep the ${settings.maxImageCount} newest images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: settings.maxImageCount },
      ],
    });

    // ---- Logs ----
    const migrationLogGroup = new logs.LogGroup(this, 'MigrationLogs', {
      logGroupName: `/strata/${env}/migrations`,
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- ECS ----
    const cluster = new ecs.Cluster(this, 'Cluster', { clusterName: `strata-${env}`, vpc });

    const executionRole = new iam.Role(this, 'TaskExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `pulls the strata image, writes its logs and reads the DB secret (${env})`,
    });
    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `role of the running strata container (${env}); strata needs no AWS API`,
    });
    const family = `strata-migrate-${env}`;
    const checkFamily = `strata-check-${env}`;
    const newTaskDefinition = (id, familyName, command, user, secret) => {
      const definition = new ecs.FargateTaskDefinition(this, id, {
        family: familyName,
        cpu: settings.cpu,
        memoryLimitMiB: settings.memoryMiB,
        executionRole,
        taskRole,
        runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      });
      definition.addContainer('strata', this.containerOptions({
        repository, tag: initialImageTag.valueAsString, command, url: databaseUrl.valueAsString, user, secret,
        secretKey: settings.dbSecretKey, logGroup: migrationLogGroup,
      }));
      return definition;
    };
    const databaseSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseSecret', databaseSecretArn.valueAsString);
    const readOnlySecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'ReadOnlyDatabaseSecret', readOnlySecretArn.valueAsString);
    const taskDefinition = newTaskDefinition('TaskDefinition', family, 'migrate', databaseUser.valueAsString, databaseSecret);
    const checkTaskDefinition = newTaskDefinition('CheckTaskDefinition', checkFamily, 'validate', readOnlyUser.valueAsString, readOnlySecret);
    this.buildRest({
      settings, env, family, checkFamily, cluster, executionRole, taskRole, repository, migrationLogGroup,
      subnetIds, taskSecurityGroup, alarmEmail, projectPath, deployBranch,
    });
    this.taskDefinition = taskDefinition;
    this.checkTaskDefinition = checkTaskDefinition;
  }

  /** The strata container: one image, one command, the database's URL, user and password secret. */
  containerOptions({ repository, tag, command, url, user, secret, secretKey, logGroup }) {
    return {
      containerName: CONTAINER_NAME,
      image: ecs.ContainerImage.fromEcrRepository(repository, tag),
      command: [command],
      essential: true,
      user: TASK_USER,
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
      // No STRATA_ENVIRONMENT here: strata reads it as the section of a strata.yaml to use, and
      // the image has none (exit 2, "unknown environment"). scripts/container-test runs the image
      // with exactly these variables.
      environment: { STRATA_LOG_FORMAT: 'json', FLYWAY_URL: url, FLYWAY_USER: user },
      secrets: { FLYWAY_PASSWORD: ecs.Secret.fromSecretsManager(secret, secretKey || undefined) },
      // One stream prefix for both families: the recorder finds any task's log the same way.
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: LOG_STREAM_PREFIX }),
    };
  }

  /** The runner Lambda, run recording, alarms, the CI role and the outputs. */
  buildRest({
    settings, env, family, checkFamily, cluster, executionRole, taskRole, repository, migrationLogGroup,
    subnetIds, taskSecurityGroup, alarmEmail, projectPath, deployBranch,
  }) {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `strata-migrations-${env}-alarms`,
      displayName: `strata migrations ${env}`,
      enforceSSL: true,
    });
    new sns.Subscription(this, 'AlarmEmailSubscription', {
      topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: alarmEmail.valueAsString,
    });

    // ---- Runner Lambda ----
    const functionName = `strata-migrate-${env}`;
    const { logGroup: functionLogGroup, role: runnerRole } = functionLogsAndRole(this, 'Runner', {
      functionName, retention: settings.logRetentionDays, description: `runs strata migration tasks in ${env}; nothing else`,
    });
    runnerRole.addToPolicy(new iam.PolicyStatement({
      sid: 'RunMigrationTask',
      actions: ['ecs:RunTask'],
      resources: [family, checkFamily].map((f) => this.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${f}:*` })),
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }));
    runnerRole.addToPolicy(new iam.PolicyStatement({
      // These two actions support no resource-level permissions: "*" is the only valid resource.
      sid: 'RegisterTaskDefinitionRevision',
      actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'],
      resources: ['*'],
    }));
    runnerRole.addToPolicy(new iam.PolicyStatement({
      sid: 'PassTaskRoles',
      actions: ['iam:PassRole'],
      resources: [executionRole.roleArn, taskRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));

    const code = lambda.Code.fromAsset(LAMBDA_DIR, { exclude: ['test', 'test/**', '*.test.mjs', 'package*.json', 'node_modules'] });
    const functionEnvironment = {
      CLUSTER: cluster.clusterArn,
      TASK_DEFINITION: family,
      CHECK_TASK_DEFINITION: checkFamily,
      CONTAINER_NAME,
      SUBNETS: subnetIds.join(','),
      SECURITY_GROUPS: taskSecurityGroup.securityGroupId,
      ASSIGN_PUBLIC_IP: settings.assignPublicIp ? 'ENABLED' : 'DISABLED',
      REPOSITORY_URI: repository.repositoryUri,
      STRATA_ENVIRONMENT: env,
      LOG_GROUP: migrationLogGroup.logGroupName,
      LOG_STREAM_PREFIX,
    };
    const recording = new RunRecording(this, 'Runs', {
      settings, cluster, families: [family, checkFamily], taskRoles: [executionRole, taskRole], topic, functionCode: code, functionEnvironment,
    });
    runnerRole.addToPolicy(new iam.PolicyStatement({
      sid: 'RecordRunStart',
      actions: ['dynamodb:UpdateItem'],
      resources: [recording.table.tableArn],
    }));
    const fleet = settings.fleet && new FleetRun(this, 'Fleet', {
      settings, cluster, family, containerName: CONTAINER_NAME, subnetIds, securityGroupId: taskSecurityGroup.securityGroupId,
      taskRoles: [executionRole, taskRole], table: recording.table, topic, functionCode: code, functionEnvironment,
    });
    const fleetEnvironment = {};
    if (fleet) {
      runnerRole.addToPolicy(new iam.PolicyStatement({
        sid: 'StartFleetRun', actions: ['states:StartExecution'], resources: [fleet.stateMachine.stateMachineArn],
      }));
      Object.assign(fleetEnvironment, { FLEET_STATE_MACHINE_ARN: fleet.stateMachine.stateMachineArn, FLEET_SHARDS: String(settings.fleet.shards) });
    }

    const runner = new lambda.Function(this, 'Runner', {
      functionName,
      description: `Starts strata (migrate) as an ECS Fargate task in ${env}; its outcome is recorded when it stops`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      role: runnerRole,
      timeout: Duration.minutes(1),
      memorySize: 256,
      logGroup: functionLogGroup,
      environment: { ...functionEnvironment, RUNS_TABLE: recording.table.tableName, ...fleetEnvironment },
    });
    runner.node.addDependency(runnerRole);

    this.addAlarms(env, topic, migrationLogGroup, [
      ['RunnerErrorAlarm', `strata-${env}-runner-error`, runner,
        `The migration starter Lambda ${functionName} failed: the task did not start or the request was refused `
        + `(see /aws/lambda/${functionName} and the CI job).`],
      ['RecorderErrorAlarm', `strata-${env}-recorder-error`, recording.recorder,
        `The run recorder ${recording.recorder.functionName} failed: a run may be unrecorded and its e-mail unsent `
        + `(see /aws/lambda/${recording.recorder.functionName} and the queue ${recording.deadLetters.queueName}).`],
      ...(fleet ? [['FleetRecorderErrorAlarm', `strata-${env}-fleet-recorder-error`, fleet.aggregator,
        `The fleet run recorder ${fleet.aggregator.functionName} failed: a fleet run may be unrecorded and its e-mail unsent `
        + `(see /aws/lambda/${fleet.aggregator.functionName} and the state machine's executions).`]] : []),
    ]);
    const ciRole = addCiRole(this, { settings, env, projectPath, deployBranch, repository, runner, table: recording.table });

    // ---- Outputs: what CI and the database's security group need ----
    const out = (name, value, description) => new CfnOutput(this, name, { value, description });
    out('RepositoryUri', repository.repositoryUri, `CI variable STRATA_${env.toUpperCase()}_ECR_REPOSITORY`);
    out('CiRoleArn', ciRole.roleArn, `CI variable STRATA_${env.toUpperCase()}_ROLE_ARN`);
    out('RunnerFunctionName', runner.functionName, 'Lambda the deploy job invokes');
    out('TaskSecurityGroupId', taskSecurityGroup.securityGroupId, 'allow TCP 5432 from this group on the database');
    out('ClusterName', cluster.clusterName, 'ECS cluster of the migration tasks');
    out('MigrationLogGroup', migrationLogGroup.logGroupName, 'strata output, one stream per task');
    out('AlarmTopicArn', topic.topicArn, 'SNS topic of the alarms');
    out('TaskSubnets', subnetIds.join(','), 'subnets the migration task runs in');
    out('RunsTableName', recording.table.tableName, 'one item per run (deploy/runs.mjs reads it)');
    out('DashboardName', recording.dashboard.dashboardName, 'CloudWatch dashboard of the runs');
    if (fleet) out('FleetStateMachineArn', fleet.stateMachine.stateMachineArn, 'runs a migrate over the fleet in shard tasks');

    this.repository = repository;
    this.cluster = cluster;
    this.recording = recording;
    this.runner = runner;
    this.fleet = fleet;
    this.ciRole = ciRole;
    this.topic = topic;
  }
  /** Backstop alarms (the recorder e-mails each failure itself): strata's error lines, and each function's errors. */
  addAlarms(env, topic, migrationLogGroup, functionAlarms) {
    // One metric per environment; a metric filter cannot add a constant dimension.
    const errorFilter = new logs.MetricFilter(this, 'MigrationErrorFilter', {
      logGroup: migrationLogGroup,
      filterName: `strata-${env}-migration-errors`,
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'error'),
      metricNamespace: METRIC_NAMESPACE,
      metricName: `MigrationErrors-${env}`,
      metricValue: '1',
    });
    const runbook = 'See deploy/README.md, "When the alarm e-mail arrives": read the log stream, run strata validate, fix, strata repair, re-run.';
    const alarms = [['MigrationErrorAlarm', `strata-${env}-migration-error`,
      errorFilter.metric({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) }),
      `strata logged an error while migrating ${env} (log group /strata/${env}/migrations).`]];
    for (const [id, name, fn, description] of functionAlarms) {
      alarms.push([id, name, fn.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }), description]);
    }
    const action = new cwActions.SnsAction(topic);
    for (const [id, alarmName, metric, description] of alarms) {
      new cloudwatch.Alarm(this, id, {
        alarmName,
        alarmDescription: `${description} ${runbook}`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(action);
    }
  }
}
