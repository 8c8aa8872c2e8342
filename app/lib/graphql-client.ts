import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

export interface FieldIssue {
  path: string;
  message: string;
}

/** A failed GraphQL call: the server's `extensions.code`, message and per-field issues. */
export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';
  constructor(
    message: string,
    readonly code: string,
    readonly fields: FieldIssue[] = [],
    readonly status?: number,
  ) {
    super(message);
  }

  /** The message for one form field, matching `name` or a nested `input.name` path. */
  field(path: string): string | undefined {
    return this.fields.find((f) => f.path === path || f.path.endsWith(`.${path}`))?.message;
  }
}

export function isGraphQLRequestError(e: unknown): e is GraphQLRequestError {
  return e instanceof GraphQLRequestError;
}

/** Codes worth retrying: the request may succeed a moment later. */
export function isTransient(e: unknown): boolean {
  return !isGraphQLRequestError(e) || ['NETWORK', 'INTERNAL', 'UNAVAILABLE'].includes(e.code);
}

const printed = new WeakMap<DocumentNode, string>();
function source(doc: DocumentNode): string {
  let s = printed.get(doc);
  if (!s) {
    s = print(doc);
    printed.set(doc, s);
  }
  return s;
}

export function operationName(doc: DocumentNode): string {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return op?.name?.value ?? 'anonymous';
}

interface Wire<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; fields?: FieldIssue[] } }[];
}

/**
 * POSTs one typed operation to /api/graphql with the session cookie. `orgId`
 * selects the organization (`x-gantry-org`); without it the server uses the
 * user's first organization. Any GraphQL error rejects with GraphQLRequestError.
 */
export async function gqlRequest<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  orgId?: string | null,
  init: { signal?: AbortSignal } = {},
): Promise<TResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (orgId) headers['x-gantry-org'] = orgId;
  let res: Response;
  try {
    res = await fetch('/api/graphql', {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      body: JSON.stringify({ query: source(document), variables, operationName: operationName(document) }),
      signal: init.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new GraphQLRequestError('Could not reach the server. Check your connection and try again.', 'NETWORK');
  }
  let body: Wire<TResult>;
  try {
    body = (await res.json()) as Wire<TResult>;
  } catch {
    throw new GraphQLRequestError(`The server answered ${res.status} without a readable body`, 'INTERNAL', [], res.status);
  }
  const first = body.errors?.[0];
  if (first) {
    throw new GraphQLRequestError(first.message, first.extensions?.code ?? 'INTERNAL', first.extensions?.fields ?? [], res.status);
  }
  if (body.data == null) throw new GraphQLRequestError('The server returned no data', 'INTERNAL', [], res.status);
  return body.data;
}
