'use client';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  type InfiniteData,
  keepPreviousData,
  type UseQueryResult,
  useInfiniteQuery,
  useQueries,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import { gqlRequest, operationName, type GraphQLRequestError } from './graphql-client';
import { useOrgOptional } from './org-context';

/** Every cached GraphQL result lives under the organization it was read from. */
export const orgKey = (orgId: string | null) => ['gql', orgId ?? 'none'] as const;

export function gqlKey<TVariables>(doc: TypedDocumentNode<unknown, TVariables>, orgId: string | null, variables?: TVariables): QueryKey {
  return [...orgKey(orgId), operationName(doc), variables ?? {}];
}

/** A query in the current organization (or none, outside /o/...). */
export function useGqlQuery<TResult, TVariables>(
  doc: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  opts: {
    enabled?: boolean;
    orgId?: string | null;
    /** Polling period in ms (or a function of the latest data); false stops polling. */
    refetchInterval?: number | false | ((data: TResult | undefined) => number | false);
    /** Keep showing the previous result while new variables load (e.g. zooming a chart). */
    keepPrevious?: boolean;
  } = {},
) {
  const ctx = useOrgOptional();
  const orgId = opts.orgId !== undefined ? opts.orgId : (ctx?.org.id ?? null);
  const interval = opts.refetchInterval;
  return useQuery<TResult, GraphQLRequestError>({
    queryKey: gqlKey(doc, orgId, variables),
    queryFn: ({ signal }) => gqlRequest(doc, variables, orgId, { signal }),
    enabled: opts.enabled,
    refetchInterval: typeof interval === 'function' ? (q) => interval(q.state.data) : interval,
    placeholderData: opts.keepPrevious ? keepPreviousData : undefined,
  });
}

/** The same query for several variable sets at once (one per run on the compare page). */
export function useGqlQueries<TResult, TVariables>(
  doc: TypedDocumentNode<TResult, TVariables>,
  variableSets: TVariables[],
  opts: { enabled?: boolean; refetchInterval?: number | false; keepPrevious?: boolean } = {},
) {
  const ctx = useOrgOptional();
  const orgId = ctx?.org.id ?? null;
  return useQueries({
    queries: variableSets.map((variables) => ({
      queryKey: gqlKey(doc, orgId, variables),
      queryFn: ({ signal }: { signal: AbortSignal }) => gqlRequest(doc, variables, orgId, { signal }),
      enabled: opts.enabled,
      refetchInterval: opts.refetchInterval,
      placeholderData: opts.keepPrevious ? keepPreviousData : undefined,
    })),
  }) as UseQueryResult<TResult, GraphQLRequestError>[];
}

/** Cursor-paged query; `getNext` reads the next cursor from a page (null when done). */
export function useGqlInfiniteQuery<TResult, TVariables, TCursor>(
  doc: TypedDocumentNode<TResult, TVariables>,
  variables: (cursor: TCursor | null) => TVariables,
  getNext: (page: TResult) => TCursor | null | undefined,
  opts: { refetchInterval?: number | false; keepPrevious?: boolean } = {},
) {
  const ctx = useOrgOptional();
  const orgId = ctx?.org.id ?? null;
  return useInfiniteQuery<TResult, GraphQLRequestError, InfiniteData<TResult, TCursor | null>, QueryKey, TCursor | null>({
    queryKey: gqlKey(doc, orgId, variables(null)),
    queryFn: ({ pageParam, signal }) => gqlRequest(doc, variables(pageParam as TCursor | null), orgId, { signal }),
    initialPageParam: null,
    getNextPageParam: (last) => getNext(last) ?? undefined,
    refetchInterval: opts.refetchInterval,
    placeholderData: opts.keepPrevious ? keepPreviousData : undefined,
  });
}

/**
 * A mutation in the current organization. On success every cached read is
 * refetched: mutations are rare, one can change several lists (and the
 * organization switcher), and a stale list is worse than a refetch.
 */
export function useGqlMutation<TResult, TVariables>(
  doc: TypedDocumentNode<TResult, TVariables>,
  opts: { orgId?: string | null; onSuccess?: (data: TResult, variables: TVariables) => void | Promise<void> } = {},
) {
  const ctx = useOrgOptional();
  const orgId = opts.orgId !== undefined ? opts.orgId : (ctx?.org.id ?? null);
  const qc = useQueryClient();
  return useMutation<TResult, GraphQLRequestError, TVariables>({
    mutationFn: (variables) => gqlRequest(doc, variables, orgId),
    onSuccess: async (data, variables) => {
      await qc.invalidateQueries({ queryKey: ['gql'] });
      await opts.onSuccess?.(data, variables);
    },
  });
}
