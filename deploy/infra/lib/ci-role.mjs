// The role GitLab CI assumes through OIDC for one environment, and the provider it trusts.
import { Aws, Duration, aws_iam as iam } from 'aws-cdk-lib';

/** GitLab CI: the OIDC provider and the role pipelines assume (push images, start runs, read their outcome). */
export function addCiRole(stack, { settings, env, projectPath, deployBranch, repository, runner, table }) {
  const providerArn = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${settings.gitlabHost}`;
  let provider;
  if (settings.oidcProvider === 'create') {
    provider = new iam.OidcProviderNative(stack, 'GitLabOidcProvider', {
      url: settings.gitlabUrl,
      clientIds: [settings.gitlabUrl],
    });
  } else {
    provider = iam.OidcProviderNative.fromOidcProviderArn(stack, 'GitLabOidcProvider', providerArn);
  }
  const ciRole = new iam.Role(stack, 'CiRole', {
    roleName: `strata-ci-${env}`,
    description: `assumed by GitLab CI of one project and branch to push images and run ${env} migrations`,
    maxSessionDuration: Duration.hours(1),
    assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
      StringEquals: { [`${settings.gitlabHost}:aud`]: settings.gitlabUrl },
      StringLike: {
        [`${settings.gitlabHost}:sub`]:
          `project_path:${projectPath.valueAsString}:ref_type:branch:ref:${deployBranch.valueAsString}`,
      },
    }),
  });
  ciRole.addToPolicy(new iam.PolicyStatement({
    sid: 'EcrLogin',
    actions: ['ecr:GetAuthorizationToken'],
    resources: ['*'], // account-wide by design; grants no image access by itself
  }));
  ciRole.addToPolicy(new iam.PolicyStatement({
    sid: 'PushMigrationImage',
    actions: [
      'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages',
      'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
    ],
    resources: [repository.repositoryArn],
  }));
  ciRole.addToPolicy(new iam.PolicyStatement({
    sid: 'InvokeMigrationRunner',
    actions: ['lambda:InvokeFunction'],
    resources: [runner.functionArn],
  }));
  ciRole.addToPolicy(new iam.PolicyStatement({
    // The deploy job waits for the outcome by reading the run's item; read-only, one table.
    sid: 'ReadRuns',
    actions: ['dynamodb:GetItem'],
    resources: [table.tableArn],
  }));
  return ciRole;
}
