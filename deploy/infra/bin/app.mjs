#!/usr/bin/env node
// CDK entry point (cdk.json "app"): `cdk synth`, `cdk deploy strata-staging --parameters ...`.
// See deploy/README.md for the parameters and context keys.
import { buildApp } from '../lib/app.mjs';

buildApp().app.synth();
