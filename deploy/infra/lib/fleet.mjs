// Fleet mode of one environment (context fleetShards): a Step Functions state machine that
// runs `strata migrate -e FLEET --shard I/N` as N Fargate tasks (a Map over 1..N, at most
// fleetConcurrency at once, each iteration `ecs:runTask.sync`, a failed shard caught so the
// others still finish), then invokes the aggregator (lambda/fleet.mjs) that writes the run's
// one record and one e-mail. Shard tasks run in their own task group, which the STOPPED rule
// (runs.mjs) does not match, so no shard is recorded as a run of its own.

import {
  ArnFormat,
  Aws,
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

import { functionLogsAndRole } from './runs.mjs';

/** The ECS task group of shard tasks (lambda/fleet.mjs fleetGroupOf). */
export const fleetGroupOf = (env) => `strata-${env}-fleet`;

/** The container override of shard I: `migrate -e FLEET --shard I/N`, I from the Map item. */
export function shardCommand(fleet) {
  return `States.Array('migrate', '-e', '${fleet.environment}', '--shard', States.Format('{}/${fleet.shards}', $.shard))`;
}

export class FleetRun extends Construct {
  /**
   * @param {Construct} scope
   * @param {string} id
   * @param {{ settings: object, cluster: import('aws-cdk-lib').aws_ecs.ICluster, family: string,
   *   containerName: string, subnetIds: string[], securityGroupId: string, taskRoles: import('aws-cdk-lib').aws_iam.IRole[],
   *   table: import('aws-cdk-lib').aws_dynamodb.ITableV2, topic: import('aws-cdk-lib').aws_sns.ITopic,
   *   functionCode: import('aws-cdk-lib').aws_lambda.Code, functionEnvironment: Record<string, string> }} props
   */
  constructor(scope, id, props) {
    super(scope, id);
    const { settings, cluster, family, taskRoles } = props;
    const env = settings.envName;
    const stack = cluster.stack;
    this.aggregator = this.addAggregator(props);

    const indexes = new sfn.Pass(this, 'ShardIndexes', {
      comment: `shard indexes 1..${settings.fleet.shards}`,
      parameters: { 'indexes.$': `States.ArrayRange(1, ${settings.fleet.shards}, 1)` },
      resultPath: '$.fleet',
    });
    const shards = new sfn.Map(this, 'Shards', {
      comment: `one ECS task per shard, at most ${settings.fleet.concurrency} at once`,
      maxConcurrency: settings.fleet.concurrency,
      itemsPath: '$.fleet.indexes',
      itemSelector: { 'shard.$': '$$.Map.Item.Value', 'runId.$': '$.runId', 'taskDefinitionArn.$': '$.taskDefinitionArn' },
      resultPath: '$.shardResults',
    });
    // A custom state: the task definition revision is the one the starter registered (from the
    // input), which the EcsRunTask construct cannot express.
    const runShard = new sfn.CustomState(this, 'RunShard', { stateJson: this.runTaskState(props) });
    runShard.addRetry({ errors: ['ECS.AmazonECSException'], interval: Duration.seconds(10), maxAttempts: 2, backoffRate: 2 });
    runShard.addCatch(new sfn.Pass(this, 'ShardFailed', { comment: 'keep the failure; the other shards go on' }), { resultPath: '$.failure' });
    shards.itemProcessor(runShard);
    const record = new tasks.LambdaInvoke(this, 'RecordFleetRun', {
      lambdaFunction: this.aggregator,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        taskDefinitionArn: sfn.JsonPath.stringAt('$.taskDefinitionArn'),
        startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
        shardResults: sfn.JsonPath.listAt('$.shardResults'),
      }),
      payloadResponseOnly: true,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `strata-${env}-fleet`,
      comment: `strata migrate over the fleet ${settings.fleet.environment} of ${env} in ${settings.fleet.shards} shard tasks`,
      definitionBody: sfn.DefinitionBody.fromChainable(indexes.next(shards).next(record)),
    });
    const allow = (sid, actions, resources, conditions) => this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid, actions, resources, conditions }));
    allow('RunShardTask', ['ecs:RunTask'],
      [stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${family}:*` })],
      { ArnEquals: { 'ecs:cluster': cluster.clusterArn } });
    allow('WatchShardTasks', ['ecs:DescribeTasks', 'ecs:StopTask'],
      [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` })]);
    // runTask.sync learns that a task stopped through this rule, which Step Functions manages.
    allow('TaskStateChangeRule', ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })]);
    allow('PassTaskRoles', ['iam:PassRole'], taskRoles.map((r) => r.roleArn),
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  }

  /** The ecs:runTask.sync state of one shard. */
  runTaskState({ settings, cluster, containerName, subnetIds, securityGroupId }) {
    const shardText = `States.Format('{}/${settings.fleet.shards}', $.shard)`;
    return {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::ecs:runTask.sync`,
      Parameters: {
        Cluster: cluster.clusterArn,
        'TaskDefinition.$': '$.taskDefinitionArn',
        LaunchType: 'FARGATE',
        Group: fleetGroupOf(settings.envName),
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: subnetIds,
            SecurityGroups: [securityGroupId],
            AssignPublicIp: settings.assignPublicIp ? 'ENABLED' : 'DISABLED',
          },
        },
        Overrides: {
          ContainerOverrides: [{
            Name: containerName,
            'Command.$': shardCommand(settings.fleet),
            Environment: [
              { Name: 'STRATA_RUN_ID', 'Value.$': '$.runId' },
              { Name: 'STRATA_SHARD', 'Value.$': shardText },
            ],
          }],
        },
      },
      ResultSelector: { 'taskArn.$': '$.TaskArn' },
      ResultPath: '$.task',
    };
  }

  /** index.onFleetFinished: reads each shard's task and log, writes the run's record, e-mails a failure. */
  addAggregator({ settings, cluster, table, topic, functionCode, functionEnvironment }) {
    const env = settings.envName;
    const stack = cluster.stack;
    const functionName = `strata-fleet-${env}`;
    const { logGroup, role } = functionLogsAndRole(this, 'Aggregator', {
      functionName, retention: settings.logRetentionDays,
      description: `records fleet runs of strata in ${env} and e-mails failures; nothing else`,
    });
    const allow = (sid, actions, resources) => role.addToPolicy(new iam.PolicyStatement({ sid, actions, resources }));
    allow('RecordRuns', ['dynamodb:UpdateItem'], [table.tableArn]);
    allow('MailFailures', ['sns:Publish'], [topic.topicArn]);
    allow('ReadShardTasks', ['ecs:DescribeTasks'], [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` })]);
    allow('ReadMigrationLogs', ['logs:GetLogEvents'], [stack.formatArn({
      service: 'logs', resource: 'log-group', resourceName: `/strata/${env}/migrations:log-stream:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })]);
    const aggregator = new lambda.Function(this, 'Aggregator', {
      functionName,
      description: `Records a fleet run of ${env} (all shard tasks) once and e-mails a failure`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.onFleetFinished',
      code: functionCode,
      role,
      timeout: Duration.minutes(5),
      memorySize: 256,
      logGroup,
      environment: {
        ...functionEnvironment, RUNS_TABLE: table.tableName, TOPIC_ARN: topic.topicArn, FLEET_SHARDS: String(settings.fleet.shards),
      },
    });
    aggregator.node.addDependency(role);
    return aggregator;
  }
}
