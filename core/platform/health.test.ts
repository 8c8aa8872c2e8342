import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/test/database';
import { resetEnvCache } from '../../config/env';
import { checkHealth } from './health';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('health', () => {
  it('answers ok but degraded while Temporal is unreachable, naming the features that wait for it, without leaking addresses', async () => {
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    resetEnvCache();
    try {
      const report = await checkHealth();
      expect(report.ok).toBe(true);
      expect(report.status).toBe('degraded');
      expect(report.checks.database.ok).toBe(true);
      expect(report.checks.temporal).toMatchObject({ ok: false, state: 'unreachable' });
      expect(report.features).toEqual({
        tracking: 'ready',
        registry: 'ready',
        jobs: 'waiting for Temporal',
        evaluations: 'waiting for Temporal',
        retraining: 'waiting for Temporal',
      });
      expect(JSON.stringify(report)).not.toContain('127.0.0.1');
    } finally {
      delete process.env.TEMPORAL_ADDRESS;
      resetEnvCache();
    }
  });
});
