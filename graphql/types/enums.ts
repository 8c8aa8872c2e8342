import { ERROR_CODES } from '../../core/errors';
import { API_KEY_SCOPES, ORG_ROLES, TEAM_ROLES } from '../../core/tenancy/permissions';
import { sharedRef, type Builder } from '../builder';

export const OrgRoleEnum = sharedRef((builder) => builder.enumType('OrgRole', { values: ORG_ROLES }));
export const TeamRoleEnum = sharedRef((builder) => builder.enumType('TeamRole', { values: TEAM_ROLES }));
export const ApiKeyScopeEnum = sharedRef((builder) =>
  builder.enumType('ApiKeyScope', {
    values: API_KEY_SCOPES,
    description: 'read: every read; write: read + create/edit teams, projects, experiments and runs; admin: all your role allows',
  }),
);

export function register(builder: Builder) {
  OrgRoleEnum(builder);
  TeamRoleEnum(builder);
  ApiKeyScopeEnum(builder);
  builder.enumType('ErrorCode', {
    values: ERROR_CODES,
    description: 'Every error carries one of these in `extensions.code`',
  });
}
