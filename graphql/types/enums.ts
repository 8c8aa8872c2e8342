import { ERROR_CODES } from '../../core/errors';
import { API_KEY_SCOPES, ORG_ROLES } from '../../core/tenancy/permissions';
import { teamRole } from '../../db/schema';
import { builder } from '../builder';

export const OrgRoleEnum = builder.enumType('OrgRole', { values: ORG_ROLES });
export const TeamRoleEnum = builder.enumType('TeamRole', { values: teamRole.enumValues });
export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  values: API_KEY_SCOPES,
  description: 'read: every read; write: read + create/edit teams, projects, experiments and runs; admin: all your role allows',
});
builder.enumType('ErrorCode', {
  values: ERROR_CODES,
  description: 'Every error carries one of these in `extensions.code`',
});
