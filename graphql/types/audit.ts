import { AppError } from '../../core/errors';
import { auditFacets, listAuditEvents, MAX_FILTER_ACTIONS, verifyAuditChain, type AuditFacets } from '../../core/governance/audit-log';
import type { AuditEvent } from '../../db/schema';
import type { Builder } from '../builder';
import { MAX_PAGE_SIZE } from '../pagination';

export function register(builder: Builder) {
  const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      seq: t.exposeInt('seq', { description: 'Position in the organization’s hash chain' }),
      occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
      actorType: t.exposeString('actorType', { description: 'user (browser session), api_key, or system (a Gantry process acting on its own, named in actorLabel)' }),
      actorLabel: t.exposeString('actorLabel'),
      actorUserId: t.exposeString('actorUserId', { nullable: true }),
      actorApiKeyId: t.exposeString('actorApiKeyId', { nullable: true }),
      action: t.exposeString('action'),
      targetType: t.exposeString('targetType'),
      targetId: t.exposeString('targetId'),
      ip: t.exposeString('ip', { nullable: true }),
      userAgent: t.exposeString('userAgent', { nullable: true }),
      requestId: t.exposeString('requestId', { nullable: true }),
      data: t.string({ description: 'Event details as JSON', resolve: (e) => JSON.stringify(e.data) }),
      hash: t.exposeString('hash'),
    }),
  });

  const AuditEventPage = builder.objectRef<{ events: AuditEvent[]; nextCursor: number | null }>('AuditEventPage').implement({
    fields: (t) => ({
      events: t.field({ type: [AuditEventRef], resolve: (p) => p.events }),
      nextCursor: t.int({ nullable: true, description: 'Pass as `before` for the next (older) page', resolve: (p) => p.nextCursor }),
    }),
  });

  const AuditChainReportRef = builder
    .objectRef<{ valid: boolean; checkedEvents: number; firstBrokenSeq: number | null; reason: string | null }>('AuditChainReport')
    .implement({
      fields: (t) => ({
        valid: t.exposeBoolean('valid'),
        checkedEvents: t.exposeInt('checkedEvents'),
        firstBrokenSeq: t.exposeInt('firstBrokenSeq', { nullable: true }),
        reason: t.exposeString('reason', { nullable: true }),
      }),
    });

  const AuditEventFilter = builder.inputType('AuditEventFilter', {
    description: 'Every field given must hold.',
    fields: (t) => ({
      actions: t.stringList({ description: `Any of these actions; \`team.*\` matches every \`team.\` action. At most ${MAX_FILTER_ACTIONS}.` }),
      actorUserId: t.string({ description: 'Events by this user, in the browser or with one of their API keys' }),
      actorApiKeyId: t.string({ description: 'Events made with this API key' }),
      targetType: t.string({ description: 'Events on objects of this type (team, project, api_key, …)' }),
      targetId: t.string({ description: 'Events on this object; needs targetType' }),
      since: t.field({ type: 'DateTime', description: 'At or after this time' }),
      until: t.field({ type: 'DateTime', description: 'At or before this time' }),
    }),
  });

  const AuditActionFacet = builder.objectRef<AuditFacets['actions'][number]>('AuditActionFacet').implement({
    fields: (t) => ({ action: t.exposeString('action'), count: t.exposeInt('count') }),
  });
  const AuditTargetTypeFacet = builder.objectRef<AuditFacets['targetTypes'][number]>('AuditTargetTypeFacet').implement({
    fields: (t) => ({ targetType: t.exposeString('targetType'), count: t.exposeInt('count') }),
  });
  const AuditActorFacet = builder.objectRef<AuditFacets['actors'][number]>('AuditActorFacet').implement({
    fields: (t) => ({
      actorType: t.exposeString('actorType', { description: 'user (browser session), api_key, or system (a Gantry process acting on its own, named in actorLabel)' }),
      userId: t.exposeString('userId', { nullable: true }),
      apiKeyId: t.exposeString('apiKeyId', { nullable: true }),
      apiKeyName: t.exposeString('apiKeyName', { nullable: true }),
      label: t.exposeString('label', { description: 'As of the actor’s latest event' }),
      count: t.exposeInt('count'),
      lastAt: t.expose('lastAt', { type: 'DateTime' }),
    }),
  });
  const AuditFacetsRef = builder.objectRef<AuditFacets>('AuditFacets').implement({
    description: 'What the organization’s audit log holds, to filter it by',
    fields: (t) => ({
      actions: t.field({ type: [AuditActionFacet], resolve: (f) => f.actions }),
      targetTypes: t.field({ type: [AuditTargetTypeFacet], resolve: (f) => f.targetTypes }),
      actors: t.field({ type: [AuditActorFacet], description: 'Most recently active first', resolve: (f) => f.actors }),
    }),
  });

  builder.queryFields((t) => ({
    auditEvents: t.field({
      type: AuditEventPage,
      description: 'Newest first',
      authScopes: { permission: 'audit:read' },
      args: { first: t.arg.int({ defaultValue: 50 }), before: t.arg.int(), filter: t.arg({ type: AuditEventFilter }) },
      resolve: async (_r, args, ctx) => {
        const first = args.first ?? 50;
        if (first < 1 || first > MAX_PAGE_SIZE) throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
        const rows = await listAuditEvents(await ctx.tenant(), { first, after: args.before ?? null }, args.filter ?? {});
        const events = rows.slice(0, first);
        return { events, nextCursor: rows.length > first ? (events.at(-1)?.seq ?? null) : null };
      },
    }),
    auditFacets: t.field({
      type: AuditFacetsRef,
      authScopes: { permission: 'audit:read' },
      resolve: async (_r, _a, ctx) => auditFacets(await ctx.tenant()),
    }),
    auditChain: t.field({
      type: AuditChainReportRef,
      description: 'Recomputes the organization’s audit hash chain',
      authScopes: { permission: 'audit:read' },
      resolve: async (_r, _a, ctx) => verifyAuditChain(await ctx.tenant()),
    }),
  }));
}
