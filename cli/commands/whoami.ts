import { errorFromGraphQL, type GantryClient } from '../client';
import type { Command } from '../command';
import { notLoggedIn } from '../config';
import { CliError, EXIT } from '../exit-codes';
import { keyPrefix } from '../output';

export const VIEWER_QUERY = '{ viewer { user { email } organization { name slug } role authMethod apiKeyPrefix } }';

export interface Viewer {
  user: { email: string };
  organization: { name: string; slug: string };
  role: string;
  authMethod: string;
  apiKeyPrefix: string | null;
}

/** Who the key belongs to; any GraphQL error (a rejected key above all) is thrown. */
export async function fetchViewer(client: GantryClient): Promise<Viewer> {
  const res = await client.request<{ viewer: Viewer }>(VIEWER_QUERY);
  if (res.errors.length > 0) throw errorFromGraphQL(res);
  if (!res.data?.viewer?.user) {
    throw new CliError('BAD_RESPONSE', `${client.endpoint} answered without a viewer.`, EXIT.INTERNAL);
  }
  return res.data.viewer;
}

/** The identity as both commands print it in --json. */
export function viewerJson(url: string, viewer: Viewer, apiKey: string) {
  return {
    url,
    user: { email: viewer.user.email },
    organization: { name: viewer.organization.name, slug: viewer.organization.slug },
    role: viewer.role,
    authMethod: viewer.authMethod,
    apiKeyPrefix: viewer.apiKeyPrefix ?? keyPrefix(apiKey),
  };
}

export function viewerLines(viewer: Viewer, apiKey: string, keyNote = ''): string[] {
  return [
    `  User:          ${viewer.user.email}`,
    `  Organization:  ${viewer.organization.name} (${viewer.organization.slug})`,
    `  Role:          ${viewer.role}`,
    `  API key:       ${viewer.apiKeyPrefix ?? keyPrefix(apiKey) ?? 'unknown prefix'}${keyNote}`,
  ];
}

export const whoami: Command = {
  name: 'whoami',
  summary: 'Show the user, organization, role and API key in use',
  usage: 'gantry whoami [--url URL] [--json]',
  help: `Asks the server who the current API key belongs to. The key comes from
GANTRY_API_KEY, else from the config file written by 'gantry login' (only for the
URL it was stored for).

Examples:
  gantry whoami
  gantry whoami --json | jq -r .user.email`,
  options: {},
  args: [],
  async run(ctx) {
    const target = ctx.target();
    if (!target.apiKey) throw notLoggedIn(target);
    const viewer = await fetchViewer(ctx.client(target));
    const note = target.keySource === 'GANTRY_API_KEY' ? ' (from GANTRY_API_KEY)' : '';
    ctx.out.result([`Logged in to ${target.url}`, ...viewerLines(viewer, target.apiKey, note)].join('\n'), {
      ...viewerJson(target.url, viewer, target.apiKey),
      apiKeySource: target.keySource,
    });
  },
};
