import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../core/errors';
import { errorFromGraphQL, parseRetryAfter, type GraphQLResponse } from './client';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes';

describe('exitCodeFor', () => {
  it.each([
    ['UNAUTHENTICATED', 200, EXIT.UNAUTHENTICATED],
    ['UNAUTHENTICATED', 401, EXIT.UNAUTHENTICATED],
    ['FORBIDDEN', 200, EXIT.FORBIDDEN],
    ['NOT_FOUND', 200, EXIT.FORBIDDEN],
    ['BUDGET_EXCEEDED', 200, EXIT.FORBIDDEN],
    ['BAD_USER_INPUT', 200, EXIT.BAD_INPUT],
    ['CONFLICT', 200, EXIT.BAD_INPUT],
    ['QUERY_TOO_COMPLEX', 400, EXIT.BAD_INPUT],
    ['GRAPHQL_VALIDATION_FAILED', 400, EXIT.BAD_INPUT],
    ['GRAPHQL_PARSE_FAILED', 400, EXIT.BAD_INPUT],
    ['BAD_REQUEST', 400, EXIT.BAD_INPUT],
    ['RATE_LIMITED', 429, EXIT.UNAVAILABLE],
    ['UNAVAILABLE', 503, EXIT.UNAVAILABLE],
    ['INTERNAL', 200, EXIT.UNAVAILABLE],
  ] as const)('%s (HTTP %d) -> %d', (code, status, exit) => {
    expect(exitCodeFor(code, status)).toBe(exit);
  });

  it.each([
    [401, EXIT.UNAUTHENTICATED],
    [403, EXIT.FORBIDDEN],
    [404, EXIT.FORBIDDEN],
    [400, EXIT.BAD_INPUT],
    [409, EXIT.BAD_INPUT],
    [429, EXIT.UNAVAILABLE],
    [500, EXIT.UNAVAILABLE],
    [502, EXIT.UNAVAILABLE],
    [503, EXIT.UNAVAILABLE],
    [200, EXIT.INTERNAL],
    [418, EXIT.INTERNAL],
  ])('without a code, HTTP %d -> %d', (status, exit) => {
    expect(exitCodeFor(undefined, status)).toBe(exit);
  });

  it('lets the error code win over the HTTP status', () => {
    expect(exitCodeFor('NOT_FOUND', 400)).toBe(EXIT.FORBIDDEN);
    expect(exitCodeFor('SOMETHING_NEW', 401)).toBe(EXIT.UNAUTHENTICATED);
    expect(exitCodeFor('SOMETHING_NEW', 200)).toBe(EXIT.INTERNAL);
  });

  it('maps every code the platform can send, and documents it', () => {
    for (const code of ERROR_CODES) {
      expect(exitCodeFor(code, 200), code).not.toBe(EXIT.INTERNAL);
      expect(EXIT_CODES_HELP, code).toContain(code);
    }
  });
});

describe('EXIT', () => {
  it('gives each exit code its own number and documents every one of them', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(EXIT)) expect(EXIT_CODES_HELP, name).toMatch(new RegExp(`^  ${code} `, 'm'));
    expect(EXIT_CODES_HELP).toMatch(/^ {2}8 {4}the audit log's hash chain is broken \(audit verify\)$/m);
  });
});

describe('errorFromGraphQL', () => {
  const response = (status: number, errors: GraphQLResponse<unknown>['errors'], retryAfterSeconds?: number): GraphQLResponse<unknown> => ({
    status,
    data: null,
    errors,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

  it('carries code, message, path and field issues', () => {
    const err = errorFromGraphQL(
      response(200, [{ message: 'name: Team name is required', path: ['createTeam'], extensions: { code: 'BAD_USER_INPUT', fields: [{ path: 'name', message: 'Team name is required' }] } }]),
    );
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', exitCode: EXIT.BAD_INPUT, fromServer: true });
    expect(err.message).toBe('name: Team name is required (at createTeam)');
    expect(err.details).toEqual({ path: ['createTeam'], fields: [{ path: 'name', message: 'Team name is required' }] });
  });

  it('uses the first error for the exit code', () => {
    const err = errorFromGraphQL(response(200, [{ message: 'a', extensions: { code: 'NOT_FOUND' } }, { message: 'b', extensions: { code: 'INTERNAL' } }]));
    expect(err.exitCode).toBe(EXIT.FORBIDDEN);
  });

  it('takes Retry-After from the header, else from extensions', () => {
    expect(errorFromGraphQL(response(429, [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 9 } }], 30)).retryAfterSeconds).toBe(30);
    expect(errorFromGraphQL(response(200, [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 9 } }])).retryAfterSeconds).toBe(9);
  });

  it('falls back to the HTTP status for errors without a code', () => {
    const err = errorFromGraphQL(response(401, [{ message: 'no' }]));
    expect(err).toMatchObject({ code: 'HTTP_401', exitCode: EXIT.UNAUTHENTICATED });
    expect(err.hint).toMatch(/gantry login/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(parseRetryAfter(inAMinute)).toBeGreaterThanOrEqual(58);
    expect(parseRetryAfter(new Date(0).toUTCString())).toBe(0);
  });
});
