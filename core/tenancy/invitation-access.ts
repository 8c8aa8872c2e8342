import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { withoutTenant } from './with-tenant';
import { env } from '../../config/env';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { ORG_ROLES } from './permissions';
import { tokenSchema } from './invitations.schemas';

export const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export function invitationUrl(token: string): string {
  return new URL(`/invite/${token}`, env().GANTRY_PUBLIC_URL).toString();
}

type LookupRow = {
  id: string;
  org_id: string;
  org_name: string;
  email: string;
  role: (typeof ORG_ROLES)[number];
  expires_at: Date | string;
  accepted_at: Date | string | null;
  revoked_at: Date | string | null;
};

export async function lookupInvitation(token: string): Promise<LookupRow> {
  const t = parseInput(z.object({ token: tokenSchema }), { token }).token;
  const row = await withoutTenant(async (tx) => {
    const rows = await tx.execute<LookupRow>(sql`select * from gantry_invitation_lookup(${hashToken(t)})`);
    return rows[0];
  });
  if (!row) throw new AppError('NOT_FOUND', 'This invitation link is not valid');
  if (row.revoked_at) throw new AppError('CONFLICT', 'This invitation was withdrawn; ask for a new one');
  if (row.accepted_at) throw new AppError('CONFLICT', 'This invitation has already been used');
  if (new Date(row.expires_at).getTime() <= Date.now()) throw new AppError('CONFLICT', 'This invitation has expired; ask for a new one');
  return row;
}
