import type { Command } from '../command';
import { writeConfig } from '../config';
import { CliError, EXIT, usageError } from '../exit-codes';
import { promptSecret, readStdin } from '../prompt';
import { fetchViewer, viewerJson, viewerLines } from './whoami';

export const login: Command = {
  name: 'login',
  summary: 'Verify an API key and store it for later commands',
  usage: 'gantry login [--url URL] [--key KEY | --key -] [--json]',
  help: `Checks the key against the server and, only if it works, stores the URL and
key in the config file (created with mode 0600). The key is read from, in order:
  --key KEY        the command line (visible to other local users in the process
                   list and kept in shell history; prefer the options below)
  --key -          standard input, e.g. from a secrets manager
  GANTRY_API_KEY   the environment
  a prompt         when run in a terminal; what you type is not echoed

Create a key in the Gantry web app (API keys), or with the createApiKey mutation.

Examples:
  gantry login --url https://gantry.example.com
  printenv CI_GANTRY_KEY | gantry login --key -`,
  options: { key: { type: 'string' } },
  args: [],
  async run(ctx, { values }) {
    // The stored key is not used here, only the stored URL.
    const target = ctx.target();
    const url = target.url;
    let key = typeof values.key === 'string' ? values.key : undefined;
    let source = '--key';
    if (key === '-') {
      key = await readStdin(ctx.stdin);
      source = 'standard input';
    } else if (key === undefined && ctx.env.GANTRY_API_KEY) {
      key = ctx.env.GANTRY_API_KEY;
      source = 'GANTRY_API_KEY';
    } else if (key === undefined) {
      if (!ctx.stdin.isTTY || !ctx.stdin.setRawMode) {
        throw usageError('No API key given.', 'Pass --key KEY or --key - (read from stdin), set GANTRY_API_KEY, or run in a terminal to be prompted.');
      }
      key = await promptSecret(`API key for ${url}: `, ctx.stdin, ctx.writePrompt);
      source = 'the prompt';
    }
    key = key.trim();
    if (!key) throw usageError(`The API key from ${source} is empty.`);

    const viewer = await fetchViewer(ctx.client({ url, apiKey: key }));
    if (viewer.authMethod !== 'API_KEY') {
      throw new CliError('BAD_RESPONSE', `${url} accepted the request but not as an API key (${viewer.authMethod}).`, EXIT.INTERNAL);
    }

    // Unknown fields written by other versions survive; url and key are replaced together.
    writeConfig(ctx.configFile, { ...ctx.config(), url, apiKey: key });
    ctx.out.result(
      [`Logged in to ${url}`, ...viewerLines(viewer, key), `Saved to ${ctx.configFile} (readable only by you).`].join('\n'),
      { ...viewerJson(url, viewer, key), configFile: ctx.configFile },
    );
    if (ctx.env.GANTRY_API_KEY && source !== 'GANTRY_API_KEY') {
      ctx.out.warn('ENV_KEY_OVERRIDES', 'GANTRY_API_KEY is set and takes precedence over the stored key until you unset it.');
    }
  },
};
