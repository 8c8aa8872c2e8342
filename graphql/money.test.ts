import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClusters } from '../core/compute/list-clusters';
import { signUpUser, testMeta, type SignedUp } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../db/test/database';
import { MAX_PRICE_MICROS } from '../rules/money';
import { createGraphQLContext, type GraphQLContext } from './context';
import { apolloServer } from './server';

/** Money over GraphQL is the `Micros` scalar: a string of digits out, and only a string of digits in. */

let db: TestDatabase;
let server: ApolloServer<GraphQLContext>;
let A: SignedUp;
let clusterId = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Result = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  const contextValue = createGraphQLContext({ meta: testMeta(), actor: A.actor, requestedOrgId: A.orgId });
  const res = await server.executeOperation({ query, variables }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return res.body.singleResult as Result;
}

const UPDATE = 'mutation($in: UpdateClusterPricesInput!) { updateClusterPrices(input: $in) { prices { cpuCoreHourMicros memoryGibHourMicros gpu { gpuType hourMicros } } } }';

beforeAll(async () => {
  db = await createTestDatabase();
  server = apolloServer();
  A = await signUpUser('money');
  clusterId = (await listClusters(A.ctx))[0]!.id;
});

afterAll(async () => {
  await db.drop();
});

describe('the Micros scalar', () => {
  it('takes prices as strings of digits and gives them back exactly, up to the highest price', async () => {
    const max = String(MAX_PRICE_MICROS);
    const r = await gql(UPDATE, { in: { clusterId, cpuCoreHourMicros: '48000', memoryGibHourMicros: max, gpu: [{ gpuType: 'nvidia-t4', hourMicros: '350001' }] } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.updateClusterPrices.prices).toEqual({ cpuCoreHourMicros: '48000', memoryGibHourMicros: max, gpu: [{ gpuType: 'nvidia-t4', hourMicros: '350001' }] });
    const literal = await gql(`mutation { updateClusterPrices(input: { clusterId: "${clusterId}", cpuCoreHourMicros: "7", memoryGibHourMicros: "0" }) { prices { cpuCoreHourMicros gpu { gpuType } } } }`);
    expect(literal.data!.updateClusterPrices.prices).toEqual({ cpuCoreHourMicros: '7', gpu: [] });
  });

  it.each([[48000], [0.5], ['0.5'], ['4.8e4'], [' 48000'], ['$0.048'], ['-0'], ['9007199254740993'], [null]])('refuses %j as BAD_USER_INPUT', async (value) => {
    const r = await gql(UPDATE, { in: { clusterId, cpuCoreHourMicros: value, memoryGibHourMicros: '0' } });
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a number written in the query as BAD_USER_INPUT', async () => {
    const r = await gql(`mutation { updateClusterPrices(input: { clusterId: "${clusterId}", cpuCoreHourMicros: 48000, memoryGibHourMicros: "0" }) { id } }`);
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps the price rule: a price above the highest is refused by the use case', async () => {
    const r = await gql(UPDATE, { in: { clusterId, cpuCoreHourMicros: String(MAX_PRICE_MICROS + 1), memoryGibHourMicros: '0' } });
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
