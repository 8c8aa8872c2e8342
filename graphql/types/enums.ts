import { ERROR_CODES } from '../../core/errors';
import { API_KEY_SCOPES, ORG_ROLES, TEAM_ROLES } from '../../core/tenancy/permissions';
import { sharedRef, type Builder } from '../builder';

export const OrgRoleEnum = sharedRef((builder) => builder.enumType('OrgRole', { values: ORG_ROLES }));
export const TeamRoleEnum = sharedRef((builder) => builder.enumType('TeamRole', { values: TEAM_ROLES }));
export const ApiKeyScopeEnum = sharedRef((builder) =>
  builder.enumType('ApiKeyScope', {
    values: API_KEY_SCOPES,
    description:
      'read: everything your role can read; write: read + log runs and create experiments, register models and move unprotected aliases, ' +
      'submit and cancel jobs, run evaluations and set evaluation policies, create and edit projects (and teams, for admins); ' +
      'admin: everything your role allows, including members, keys, clusters, retraining policies and protected aliases',
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
