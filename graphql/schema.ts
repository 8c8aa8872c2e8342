import type { GraphQLSchema } from 'graphql';
import { createBuilder } from './builder';
import * as apiKey from './types/api-key';
import * as artifact from './types/artifact';
import * as audit from './types/audit';
import * as batchPrediction from './types/batch-prediction';
import * as billing from './types/billing';
import * as cluster from './types/cluster';
import * as costs from './types/costs';
import * as deployment from './types/deployment';
import * as enums from './types/enums';
import * as evaluation from './types/evaluation';
import * as invitation from './types/invitation';
import * as member from './types/member';
import * as monitoring from './types/monitoring';
import * as organization from './types/organization';
import * as platform from './types/platform';
import * as project from './types/project';
import * as registry from './types/registry';
import * as retraining from './types/retraining';
import * as rollout from './types/rollout';
import * as team from './types/team';
import * as tracking from './types/tracking';
import * as trainingJob from './types/training-job';
import * as user from './types/user';
import * as viewer from './types/viewer';

/** Every type file, each adding its types and root fields to the builder it is given. */
const TYPE_FILES = [enums, user, organization, viewer, member, team, project, invitation, apiKey, audit, tracking, artifact, registry, cluster, trainingJob, evaluation, retraining, batchPrediction, monitoring, rollout, deployment, costs, platform, billing];

/** The whole schema, built from a fresh builder on every call. */
export function buildSchema(): GraphQLSchema {
  const builder = createBuilder();
  for (const file of TYPE_FILES) file.register(builder);
  return builder.toSchema({ sortSchema: true });
}

export const schema = buildSchema();
