import { AppError } from '../core/errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Forward keyset paging: the cursor is the opaque key of the last row. */
export function pageArgs(args: ConnectionArgs): { first: number; after: string | null } {
  if (args.last != null || args.before != null) throw new AppError('BAD_USER_INPUT', 'Only forward paging (first/after) is supported');
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  let after: string | null = null;
  if (args.after) {
    after = Buffer.from(args.after, 'base64url').toString('utf8');
    if (!/^[a-z0-9_]{1,64}$/.test(after)) throw new AppError('BAD_USER_INPUT', 'Invalid cursor');
  }
  return { first, after };
}

/** Builds a relay connection from `first + 1` rows fetched by the core. */
export function toConnection<T>(rows: T[], first: number, key: (row: T) => string | number) {
  const hasNextPage = rows.length > first;
  const page = hasNextPage ? rows.slice(0, first) : rows;
  const edges = page.map((node) => ({ node, cursor: Buffer.from(String(key(node))).toString('base64url') }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
