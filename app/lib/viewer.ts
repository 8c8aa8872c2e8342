'use client';

import { graphql } from '@/app/gql';
import type { Permission } from '@/app/gql/graphql';
import { useGqlQuery } from './gql-hooks';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      permissions
      authMethod
      user {
        id
        name
        email
      }
    }
  }
`);

/** The signed-in user's role and permissions in the current organization. */
export function useViewer() {
  return useGqlQuery(ViewerQuery, {});
}

/**
 * Whether the viewer holds a permission: `undefined` while loading, so callers
 * can render a neutral state instead of flashing "not allowed".
 */
export function useCan(permission: Permission): boolean | undefined {
  const { data } = useViewer();
  return data ? data.viewer.permissions.includes(permission) : undefined;
}
