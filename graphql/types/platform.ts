import { platformStatus, type FeatureState } from '../../core/platform/status';
import type { Builder } from '../builder';

const FEATURE_STATES: Record<FeatureState, 'ready' | 'waiting_for_temporal' | 'unavailable'> = {
  ready: 'ready',
  'waiting for Temporal': 'waiting_for_temporal',
  unavailable: 'unavailable',
};

export function register(builder: Builder) {
  const FeatureStateEnum = builder.enumType('FeatureState', { values: ['ready', 'waiting_for_temporal', 'unavailable'] as const });
  const TemporalStateEnum = builder.enumType('TemporalState', {
    values: ['ready', 'starting', 'building', 'failed', 'unreachable'] as const,
    description: 'building: the Temporal CLI is being built (first start on a machine); failed: it could not be started',
  });

  const FeatureStatusRef = builder.objectRef<{ key: string; name: string; state: FeatureState }>('FeatureStatus').implement({
    fields: (t) => ({
      key: t.exposeString('key', { description: 'tracking, registry, jobs, evaluations, retraining' }),
      name: t.exposeString('name'),
      state: t.field({ type: FeatureStateEnum, resolve: (f) => FEATURE_STATES[f.state] }),
    }),
  });

  const TemporalStatusRef = builder
    .objectRef<{ state: 'ready' | 'starting' | 'building' | 'failed' | 'unreachable'; since?: string; detail?: string }>('TemporalStatus')
    .implement({
      fields: (t) => ({
        state: t.field({ type: TemporalStateEnum, resolve: (s) => s.state }),
        since: t.field({ type: 'DateTime', nullable: true, description: 'When the current state began, while Gantry starts Temporal', resolve: (s) => (s.since ? new Date(s.since) : null) }),
        detail: t.string({ nullable: true, description: 'What is happening now, or why it failed', resolve: (s) => s.detail ?? null }),
      }),
    });

  const PlatformStatusRef = builder.objectRef<Awaited<ReturnType<typeof platformStatus>>>('PlatformStatus').implement({
    description: 'Which features can be used now: those carried by Temporal workflows wait while Temporal starts',
    fields: (t) => ({
      temporal: t.field({ type: TemporalStatusRef, resolve: (s) => s.temporal }),
      features: t.field({ type: [FeatureStatusRef], resolve: (s) => s.features }),
    }),
  });

  builder.queryFields((t) => ({
    platformStatus: t.field({
      type: PlatformStatusRef,
      authScopes: { authenticated: true },
      resolve: () => platformStatus(),
    }),
  }));
}
