'use client';

import { graphql } from '@/app/gql';
import { useGqlQueries, useGqlQuery } from '@/app/lib/gql-hooks';

const RegistryMembersQuery = graphql(`
  query RegistryMembers {
    members(first: 100) {
      edges {
        node {
          user {
            id
            name
            email
          }
        }
      }
    }
  }
`);

const RegistryRunNameQuery = graphql(`
  query RegistryRunName($id: ID!) {
    run(id: $id) {
      id
      name
    }
  }
`);

/** Names of the organization's members by user ID, for "created by" columns. */
export function useMemberNames(): Map<string, { name: string; email: string }> {
  const { data } = useGqlQuery(RegistryMembersQuery, {});
  return new Map(data?.members.edges.map((e) => [e.node.user.id, { name: e.node.user.name, email: e.node.user.email }]) ?? []);
}

/** Who registered a version: a member's name, or the API key a tool used. */
export function creatorText(
  v: { createdByUserId: string | null; createdByApiKeyId: string | null },
  members: Map<string, { name: string; email: string }>,
): { label: string; title: string | undefined } {
  const m = v.createdByUserId ? members.get(v.createdByUserId) : undefined;
  const person = m ? m.name || m.email : v.createdByUserId ? 'A former member' : null;
  if (v.createdByApiKeyId) return { label: person ? `${person} (API key)` : 'API key', title: m?.email };
  return { label: person ?? '—', title: m?.email };
}

/** Run names for links, one small query per distinct run (cached across pages). */
export function useRunNames(runIds: (string | null)[]): Map<string, string> {
  const ids = [...new Set(runIds.filter((id): id is string => !!id))];
  const results = useGqlQueries(
    RegistryRunNameQuery,
    ids.map((id) => ({ id })),
  );
  const names = new Map<string, string>();
  results.forEach((r, i) => {
    if (r.data) names.set(ids[i]!, r.data.run.name);
  });
  return names;
}
