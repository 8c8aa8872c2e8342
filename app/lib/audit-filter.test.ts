import { describe, expect, it } from 'vitest';
import {
  actionFamilies,
  auditHref,
  isAuditFilterActive,
  isoToLocalInput,
  localInputToIso,
  parseAuditSearch,
  serializeAuditSearch,
  toAuditEventFilter,
  type AuditFilter,
} from './audit-filter';

describe('audit filter in the URL', () => {
  const full: AuditFilter = {
    actions: ['team.*', 'project.create'],
    actorUserId: 'usr_01',
    actorApiKeyId: 'key_02',
    targetType: 'project',
    targetId: 'prj_03',
    since: '2025-03-01T00:00:00.000Z',
    until: '2025-03-31T23:59:59.999Z',
  };

  it('writes every field under its own parameter, in a stable order', () => {
    expect(serializeAuditSearch(full).toString()).toBe(
      'action=team.*&action=project.create&actor=usr_01&apiKey=key_02&targetType=project&targetId=prj_03&since=2025-03-01T00%3A00%3A00.000Z&until=2025-03-31T23%3A59%3A59.999Z',
    );
  });

  it('reads back what it wrote, from URLSearchParams and from a Next.js searchParams object', () => {
    const params = serializeAuditSearch(full);
    expect(parseAuditSearch(new URLSearchParams(params.toString()))).toEqual(full);
    expect(
      parseAuditSearch({
        action: ['team.*', 'project.create'],
        actor: 'usr_01',
        apiKey: 'key_02',
        targetType: 'project',
        targetId: 'prj_03',
        since: full.since,
        until: full.until,
      }),
    ).toEqual(full);
  });

  it('leaves out blank values, trims, drops repeated actions and ignores unknown parameters', () => {
    expect(parseAuditSearch(new URLSearchParams('action=&action=%20team.create%20&action=team.create&actor=%20&targetType=team&page=2&x=1'))).toEqual({
      actions: ['team.create'],
      targetType: 'team',
    });
    expect(parseAuditSearch(new URLSearchParams(''))).toEqual({});
    expect(serializeAuditSearch({ actions: ['', ' '], actorUserId: '  ', targetType: ' team ' }).toString()).toBe('targetType=team');
  });

  it('keeps what it cannot check itself, for the server to explain', () => {
    // A target ID without its type, and a date that is not one: the API answers with a readable message.
    expect(parseAuditSearch(new URLSearchParams('targetId=prj_1&since=yesterday'))).toEqual({ targetId: 'prj_1', since: 'yesterday' });
  });

  it('builds links to the filtered log', () => {
    expect(auditHref('acme')).toBe('/o/acme/audit');
    expect(auditHref('acme', {})).toBe('/o/acme/audit');
    expect(auditHref('acme', { targetType: 'project', targetId: 'prj_1' })).toBe('/o/acme/audit?targetType=project&targetId=prj_1');
    expect(auditHref('a b', { actions: ['team.*'] })).toBe('/o/a%20b/audit?action=team.*');
    const href = auditHref('acme', full);
    expect(parseAuditSearch(new URL(href, 'http://x').searchParams)).toEqual(full);
  });

  it('tells an empty filter from an active one', () => {
    expect(isAuditFilterActive({})).toBe(false);
    expect(isAuditFilterActive({ actions: [], targetId: ' ' })).toBe(false);
    expect(isAuditFilterActive({ until: '2025-01-01T00:00:00Z' })).toBe(true);
  });
});

describe('toAuditEventFilter', () => {
  it('is null for the whole log', () => {
    expect(toAuditEventFilter({})).toBeNull();
    expect(toAuditEventFilter({ actions: [' '] })).toBeNull();
  });

  it('maps every field onto the GraphQL input, unset ones as null', () => {
    expect(toAuditEventFilter({ actions: ['team.*'], actorApiKeyId: ' key_1 ' })).toEqual({
      actions: ['team.*'],
      actorUserId: null,
      actorApiKeyId: 'key_1',
      targetType: null,
      targetId: null,
      since: null,
      until: null,
    });
  });
});

describe('actionFamilies', () => {
  it('offers a family for every prefix shared by two or more actions, with their events summed', () => {
    expect(
      actionFamilies([
        { action: 'api_key.create', count: 1 },
        { action: 'cluster.connect', count: 2 },
        { action: 'cluster.prices.update', count: 3 },
        { action: 'cluster.prices.reset', count: 4 },
        { action: 'deleted', count: 5 },
        { action: 'team.create', count: 6 },
        { action: 'team.member_set', count: 7 },
      ]),
    ).toEqual([
      { family: 'cluster.*', prefix: 'cluster', actions: 3, count: 9 },
      { family: 'cluster.prices.*', prefix: 'cluster.prices', actions: 2, count: 7 },
      { family: 'team.*', prefix: 'team', actions: 2, count: 13 },
    ]);
  });

  it('offers nothing for single actions or an empty log', () => {
    expect(actionFamilies([])).toEqual([]);
    expect(actionFamilies([{ action: 'team.create', count: 3 }, { action: 'project.create', count: 1 }])).toEqual([]);
  });
});

describe('datetime-local values', () => {
  it('reads an input in the local time zone and writes it back to the minute', () => {
    for (const value of ['2025-03-04T09:30', '2024-12-31T23:59', '2025-07-01T00:00']) {
      const start = localInputToIso(value, 'start')!;
      expect(start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
      expect(new Date(start).getTime()).toBe(new Date(value).getTime());
      expect(isoToLocalInput(start)).toBe(value);
    }
  });

  it('ends a range at the end of its minute', () => {
    const start = localInputToIso('2025-03-04T09:30', 'start')!;
    const end = localInputToIso('2025-03-04T09:30', 'end')!;
    expect(new Date(end).getTime() - new Date(start).getTime()).toBe(59_999);
    expect(isoToLocalInput(end)).toBe('2025-03-04T09:30');
    // With seconds given, the instant is taken as it is.
    expect(localInputToIso('2025-03-04T09:30:15', 'end')).toBe(new Date('2025-03-04T09:30:15').toISOString());
  });

  it('refuses anything that is not a full datetime-local value', () => {
    for (const bad of ['', '2025-03-04', 'yesterday', '2025-13-40T99:99', '2025-03-04T09:30Z']) expect(localInputToIso(bad, 'start')).toBeUndefined();
    expect(isoToLocalInput(undefined)).toBe('');
    expect(isoToLocalInput('not a date')).toBe('');
  });
});
