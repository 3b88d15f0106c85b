// Builds the CDK app: one stack per environment (dev, staging, prod) from one definition.
import { App } from 'aws-cdk-lib';

import { ENVIRONMENTS, settingsFor } from './config.mjs';
import { StrataMigrationsStack } from './strata-stack.mjs';

export function buildApp(app = new App()) {
  const stacks = {};
  for (const envName of ENVIRONMENTS) {
    const settings = settingsFor(app.node, envName);
    const env = settings.account || settings.region ? { account: settings.account, region: settings.region } : undefined;
    stacks[envName] = new StrataMigrationsStack(app, `strata-${envName}`, { settings, env });
  }
  return { app, stacks };
}
