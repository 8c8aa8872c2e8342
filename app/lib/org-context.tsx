'use client';

import { createContext, useContext } from 'react';
import type { OrgRole } from '@/app/gql/graphql';

export interface CurrentOrg {
  id: string;
  name: string;
  slug: string;
  role: OrgRole;
}

export interface CurrentUser {
  id: string;
  name: string;
  email: string;
}

const OrgContext = createContext<{ org: CurrentOrg; user: CurrentUser } | null>(null);

/** The organization the org-scoped layout resolved on the server for this URL. */
export function OrgProvider({ org, user, children }: { org: CurrentOrg; user: CurrentUser; children: React.ReactNode }) {
  return <OrgContext.Provider value={{ org, user }}>{children}</OrgContext.Provider>;
}

export function useOrgOptional() {
  return useContext(OrgContext);
}

export function useOrg() {
  const v = useContext(OrgContext);
  if (!v) throw new Error('useOrg() needs an <OrgProvider> (pages under /o/[orgSlug])');
  return v;
}

