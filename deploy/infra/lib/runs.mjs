// Run recording of one environment: the runs table, the function that records a STOPPED
// task (onTaskStopped), the EventBridge rule that calls it, and a dashboard of the runs'
// metrics (embedded metric format, written by that function).

import {
  ArnFormat,
  Duration,
  RemovalPolicy,
  aws_cloudwatch as cloudwatch,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

export const METRIC_NAMESPACE = 'Strata/Migrations';
export const RUNS_BY_ENVIRONMENT_INDEX = 'byEnvironment';

/** The rule's event pattern: this cluster's tasks of these families, once STOPPED. */
export function stoppedTaskPattern(clusterArn, families) {
  return {
    source: ['aws.ecs'],
    detailType: ['ECS Task State Change'],
    detail: {
      clusterArn: [clusterArn],
      group: families.map((f) => `family:${f}`),
      lastStatus: ['STOPPED'],
    },
  };
}

/**
 * A Lambda function's log group (kept when the stack goes) and its role, which may write that
 * log group and, until the caller adds statements, nothing else.
 */
export function functionLogsAndRole(scope, idPrefix, { functionName, retention, description }) {
  const logGroup = new logs.LogGroup(scope, `${idPrefix}Logs`, {
    logGroupName: `/aws/lambda/${functionName}`,
    retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, `${idPrefix}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  role.addToPolicy(new iam.PolicyStatement({
    sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn],
  }));
  return { logGroup, role };
}

export class RunRecording extends Construct {
  /**
   * @param {Construct} scope
   * @param {string} id
   * @param {{ settings: object, cluster: import('aws-cdk-lib').aws_ecs.Cluster, families: string[],
   *   taskRoles: import('aws-cdk-lib').aws_iam.IRole[], topic: import('aws-cdk-lib').aws_sns.Topic,
   *   functionCode: import('aws-cdk-lib').aws_lambda.Code, functionEnvironment: Record<string, string> }} props
   */
  constructor(scope, id, props) {
    super(scope, id);
    const { settings, cluster, families, taskRoles, topic, functionCode, functionEnvironment } = props;
    const env = settings.envName;
    const stack = cluster.stack;

    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: `strata-runs-${env}`,
      partitionKey: { name: 'runId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [{
        indexName: RUNS_BY_ENVIRONMENT_INDEX,
        partitionKey: { name: 'environment', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'startedAt', type: dynamodb.AttributeType.STRING },
      }],
    });

    const functionName = `strata-record-${env}`;
    const { logGroup, role } = functionLogsAndRole(this, 'Recorder', {
      functionName, retention: settings.logRetentionDays,
      description: `records strata runs in ${env}, e-mails failures, starts retries; nothing else`,
    });
    const allow = (sid, actions, resources, conditions) => role.addToPolicy(
      new iam.PolicyStatement({ sid, actions, resources, conditions }));
    allow('RecordRuns', ['dynamodb:UpdateItem'], [this.table.tableArn]);
    allow('MailFailures', ['sns:Publish'], [topic.topicArn]);
    allow('ReadMigrationLogs', ['logs:GetLogEvents'], [stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/strata/${env}/migrations:log-stream:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })]);
    // Retries and repairs run the revision that failed again: RunTask only, no registration.
    allow('RetryMigrationTask', ['ecs:RunTask'],
      families.map((f) => stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${f}:*` })),
      { ArnEquals: { 'ecs:cluster': cluster.clusterArn } });
    allow('PassTaskRoles', ['iam:PassRole'], taskRoles.map((r) => r.roleArn),
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });

    const policy = settings.retryPolicy;
    this.recorder = new lambda.Function(this, 'Recorder', {
      functionName,
      description: `Records each strata task of ${env} when it stops; e-mails failures; retries transient ones`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.onTaskStopped',
      code: functionCode,
      role,
      // Long enough for the longest backoff (300 s) before a retry.
      timeout: Duration.minutes(10),
      memorySize: 256,
      logGroup,
      environment: {
        ...functionEnvironment,
        RUNS_TABLE: this.table.tableName,
        TOPIC_ARN: topic.topicArn,
        RETRY_MAX_ATTEMPTS: String(policy.maxAttempts),
        RETRY_BASE_DELAY_SECONDS: String(policy.baseDelaySeconds),
        AUTO_REPAIR: String(policy.autoRepair),
      },
    });
    this.recorder.node.addDependency(role);

    // Events the function could not take after EventBridge's retries are kept, not lost.
    this.deadLetters = new sqs.Queue(this, 'UndeliveredStopEvents', {
      queueName: `strata-record-${env}-undelivered`,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    this.rule = new events.Rule(this, 'TaskStopped', {
      ruleName: `strata-${env}-task-stopped`,
      description: `strata tasks of ${env} that stopped: record the run`,
      eventPattern: stoppedTaskPattern(cluster.clusterArn, families),
    });
    this.rule.addTarget(new targets.LambdaFunction(this.recorder, {
      deadLetterQueue: this.deadLetters,
      retryAttempts: 8,
      maxEventAge: Duration.hours(6),
    }));

    this.dashboard = this.addDashboard(env);
  }

  addDashboard(env) {
    const metric = (metricName, statistic, label) => new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE, metricName, statistic, label, period: Duration.hours(1), dimensionsMap: { Environment: env },
    });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `strata-migrations-${env}` });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs and failures', width: 8,
        left: [metric('Runs', cloudwatch.Stats.SUM, 'runs'), metric('Failures', cloudwatch.Stats.SUM, 'failures'),
          metric('TransientFailures', cloudwatch.Stats.SUM, 'transient failures')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration', width: 8,
        left: [metric('Duration', cloudwatch.Stats.p(50), 'median'), metric('Duration', cloudwatch.Stats.p(95), 'p95'),
          metric('Duration', cloudwatch.Stats.MAXIMUM, 'max')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Migrations applied', width: 8, left: [metric('MigrationsApplied', cloudwatch.Stats.SUM, 'applied')],
      }),
    );
    return dashboard;
  }
}
