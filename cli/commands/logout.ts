import type { Command } from '../command';
import { deleteConfig, writeConfig } from '../config';
import { keyPrefix } from '../output';

export const logout: Command = {
  name: 'logout',
  summary: 'Remove the stored API key',
  usage: 'gantry logout [--json]',
  help: `Deletes the API key from the config file; the URL stays, so the next 'gantry login'
goes to the same server. The key itself stays valid on the server until it expires
or is revoked (web app, or the revokeApiKey mutation).`,
  options: {},
  args: [],
  async run(ctx) {
    const config = ctx.config();
    const { apiKey, ...rest } = config;
    if (apiKey) {
      if (Object.keys(rest).length > 0) writeConfig(ctx.configFile, rest);
      else deleteConfig(ctx.configFile);
    }
    const prefix = apiKey ? keyPrefix(apiKey) : null;
    const human = apiKey
      ? `Logged out: removed the API key${prefix ? ` ${prefix}` : ''} from ${ctx.configFile}.\nThe key remains valid on the server until it expires or is revoked.`
      : `No stored API key in ${ctx.configFile}; nothing to do.`;
    ctx.out.result(human, { loggedOut: Boolean(apiKey), apiKeyPrefix: prefix, configFile: ctx.configFile });
    if (ctx.env.GANTRY_API_KEY) {
      ctx.out.warn('ENV_KEY_SET', 'GANTRY_API_KEY is still set in the environment; commands keep using it until you unset it.');
    }
  },
};
