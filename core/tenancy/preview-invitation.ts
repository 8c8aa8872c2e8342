import { lookupInvitation } from './invitation-access';

/** What the invite page shows before the invitee accepts. */
export async function previewInvitation(token: string) {
  const row = await lookupInvitation(token);
  return { organizationName: row.org_name, email: row.email, role: row.role, expiresAt: new Date(row.expires_at) };
}
