// Per-environment settings of the strata migration stacks, read from CDK context.
//
// Every key can be given for one environment as `strata:<env>:<key>` or for all
// as `strata:<key>` (cdk.json "context", or `cdk deploy -c key=value`). Nothing
// here needs an AWS account at synth time: no lookups.
//
//   account, region      pin the stack to an account/region (default: env-agnostic)
//   vpcId, subnetIds     run the task in an existing VPC (subnetIds: comma list);
//                        without vpcId the stack creates a small VPC of its own
//   assignPublicIp       give the task a public IP (default: true in a created VPC,
//                        false in an imported one, where subnets should have a NAT
//                        or VPC endpoints for ECR, Logs and Secrets Manager)
//   oidcProvider         "create" (default) or "import": an account holds one
//                        GitLab OIDC provider, so the second stack in the same
//                        account imports it
//   gitlabUrl            GitLab instance URL, the token issuer and audience
//                        (default https://gitlab.com)
//   logRetentionDays     retention of the migration and Lambda logs
//   cpu, memoryMiB       Fargate task size (default 256 / 512)
//   dbSecretKey          JSON key of the password in the DB secret (default "password")
//   maxImageCount        images kept in the ECR repository (default 50)
//   retryMaxAttempts     attempts of one request incl. the first; transient failures only
//                        (lock wait, cannot connect, connection lost, stopped by ECS); 1 = never
//   retryBaseDelaySeconds  backoff before the first retry; doubles per attempt, at most 300 s
//   autoRepair           run `strata repair` by itself after a failure strata reports as safe
//                        to repair (default true in dev and staging, false in prod)
//   fleetShards          fleet mode: a migrate run is N ECS tasks `strata migrate -e FLEET
//                        --shard I/N` started by a Step Functions state machine (at most 1000)
//   fleetConcurrency     shard tasks running at once (default: all of them)
//   fleetEnvironment     the strata.yaml environment naming the fleet (default: the stack's)

import { aws_logs as logs } from 'aws-cdk-lib';

export const ENVIRONMENTS = Object.freeze(['dev', 'staging', 'prod']);

const PER_ENV_DEFAULTS = {
  dev: { logRetentionDays: 30, retryBaseDelaySeconds: 15, autoRepair: true },
  staging: { logRetentionDays: 90, retryBaseDelaySeconds: 30, autoRepair: true },
  prod: { logRetentionDays: 365, retryBaseDelaySeconds: 60, autoRepair: false },
};

const GLOBAL_DEFAULTS = {
  oidcProvider: 'create',
  gitlabUrl: 'https://gitlab.com',
  cpu: 256,
  memoryMiB: 512,
  dbSecretKey: 'password',
  maxImageCount: 50,
  retryMaxAttempts: 3,
};

function asList(value) {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter(Boolean);
  return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}

function asBool(value, key) {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`${key} must be true or false, not ${JSON.stringify(value)}`);
}

function asInt(value, key) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}

function retryPolicyOf(get, keyOf) {
  const maxAttempts = asInt(get('retryMaxAttempts'), keyOf('retryMaxAttempts'));
  if (maxAttempts > 10) throw new Error(`${keyOf('retryMaxAttempts')} must be at most 10, not ${maxAttempts}`);
  const baseDelaySeconds = asInt(get('retryBaseDelaySeconds'), keyOf('retryBaseDelaySeconds'));
  if (baseDelaySeconds > 300) throw new Error(`${keyOf('retryBaseDelaySeconds')} must be at most 300, not ${baseDelaySeconds}`);
  return { maxAttempts, baseDelaySeconds, autoRepair: asBool(get('autoRepair'), keyOf('autoRepair')) ?? false };
}

/** Fleet mode, or undefined when fleetShards is not set. */
function fleetOf(get, keyOf, envName) {
  const given = (key) => ![undefined, null, ''].includes(get(key));
  if (!given('fleetShards')) {
    for (const key of ['fleetConcurrency', 'fleetEnvironment']) {
      if (given(key)) throw new Error(`${keyOf(key)} needs ${keyOf('fleetShards')}`);
    }
    return undefined;
  }
  const shards = asInt(get('fleetShards'), keyOf('fleetShards'));
  // States.ArrayRange makes at most 1000 items.
  if (shards > 1000) throw new Error(`${keyOf('fleetShards')} must be at most 1000, not ${shards}`);
  const concurrency = given('fleetConcurrency') ? asInt(get('fleetConcurrency'), keyOf('fleetConcurrency')) : shards;
  const environment = given('fleetEnvironment') ? String(get('fleetEnvironment')) : envName;
  // It is written inside a quoted intrinsic function argument of the state machine.
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(environment)) {
    throw new Error(`${keyOf('fleetEnvironment')} ${JSON.stringify(environment)} is not an environment name (letters, digits, _ . -)`);
  }
  return { shards, concurrency: Math.min(concurrency, shards), environment };
}

/**
 * Settings for one environment. `node` is any construct node (app or stack)
 * whose context holds the keys.
 */
export function settingsFor(node, envName) {
  if (!ENVIRONMENTS.includes(envName)) {
    throw new Error(`unknown environment ${JSON.stringify(envName)}; expected one of ${ENVIRONMENTS.join(', ')}`);
  }
  const defaults = { ...GLOBAL_DEFAULTS, ...PER_ENV_DEFAULTS[envName] };
  const keyOf = (key) => `strata:${envName}:${key}`;
  const get = (key) => node.tryGetContext(keyOf(key)) ?? node.tryGetContext(`strata:${key}`) ?? defaults[key];

  const vpcId = get('vpcId') || undefined;
  const subnetIds = asList(get('subnetIds'));
  if (vpcId && subnetIds.length === 0) throw new Error(`${keyOf('subnetIds')} is required with ${keyOf('vpcId')}`);
  if (!vpcId && subnetIds.length > 0) throw new Error(`${keyOf('subnetIds')} needs ${keyOf('vpcId')}`);
  if (vpcId && !/^vpc-[0-9a-f]+$/.test(vpcId)) throw new Error(`${keyOf('vpcId')} ${JSON.stringify(vpcId)} is not a VPC id`);
  for (const id of subnetIds) {
    if (!/^subnet-[0-9a-f]+$/.test(id)) throw new Error(`${keyOf('subnetIds')}: ${JSON.stringify(id)} is not a subnet id`);
  }

  const oidcProvider = get('oidcProvider');
  if (oidcProvider !== 'create' && oidcProvider !== 'import') {
    throw new Error(`${keyOf('oidcProvider')} must be "create" or "import", not ${JSON.stringify(oidcProvider)}`);
  }
  const gitlabUrl = String(get('gitlabUrl')).replace(/\/+$/, '');
  if (!/^https:\/\/[^/:?#]+(\/[^?#]*)?$/.test(gitlabUrl)) {
    throw new Error(`gitlabUrl must be an https URL without a port, not ${JSON.stringify(gitlabUrl)}`);
  }

  const logRetentionDays = asInt(get('logRetentionDays'), keyOf('logRetentionDays'));
  if (!Object.values(logs.RetentionDays).includes(logRetentionDays)) {
    throw new Error(`${keyOf('logRetentionDays')} ${logRetentionDays} is not a CloudWatch Logs retention period`);
  }

  return {
    envName,
    account: get('account') || undefined,
    region: get('region') || undefined,
    vpcId,
    subnetIds,
    assignPublicIp: asBool(get('assignPublicIp'), keyOf('assignPublicIp')) ?? !vpcId,
    oidcProvider,
    gitlabUrl,
    gitlabHost: gitlabUrl.replace(/^https:\/\//, ''),
    logRetentionDays,
    cpu: asInt(get('cpu'), keyOf('cpu')),
    memoryMiB: asInt(get('memoryMiB'), keyOf('memoryMiB')),
    dbSecretKey: String(get('dbSecretKey')),
    maxImageCount: asInt(get('maxImageCount'), keyOf('maxImageCount')),
    retryPolicy: retryPolicyOf(get, keyOf),
    fleet: fleetOf(get, keyOf, envName),
  };
}
