import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createContext, type Command, type OptionValues, type Stdin } from './command';
import { audit } from './commands/audit';
import { costs } from './commands/costs';
import { graphql } from './commands/graphql';
import { jobs } from './commands/jobs';
import { login } from './commands/login';
import { logout } from './commands/logout';
import { models } from './commands/models';
import { runs } from './commands/runs';
import { whoami } from './commands/whoami';
import { configPath, DEFAULT_URL, type Env } from './config';
import { CliError, EXIT, EXIT_CODES_HELP, usageError } from './exit-codes';
import { Output, redactSecrets } from './output';

export const COMMANDS: readonly Command[] = [login, logout, whoami, graphql, runs, models, jobs, costs, audit];

const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies NonNullable<ParseArgsConfig['options']>;

const GLOBAL_FLAGS_HELP = `Global flags:
  --url URL    the Gantry web app (else GANTRY_URL, else the URL stored by login,
               else ${DEFAULT_URL})
  --json       machine-readable output: one JSON document on stdout; errors and
               warnings as JSON lines on stderr ({"error":{"code","message"}})
  -h, --help   show help
  --version    print the version`;

export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function mainHelp(configFile: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'help'.length) + 3;
  const commands = [...COMMANDS.map((c) => [c.name, c.summary]), ['help', 'Show help for a command']]
    .map(([name, summary]) => `  ${name!.padEnd(width)}${summary}`)
    .join('\n');
  return `gantry: command-line access to the Gantry ML platform

Usage: gantry <command> [flags]

Commands:
${commands}

${GLOBAL_FLAGS_HELP}

Environment:
  GANTRY_URL       the platform URL, when --url is not given
  GANTRY_API_KEY   API key to use instead of the stored one
  GANTRY_CONFIG    config file (else $XDG_CONFIG_HOME/gantry/config.json,
                   else ~/.config/gantry/config.json)
  GANTRY_DEBUG     set to 1 to print stack traces of unexpected errors

Config file: ${configFile}
API keys are never printed, only their public prefix (gty_ab12cd34ef56).

${EXIT_CODES_HELP}

Run 'gantry <command> --help' for a command's flags and examples.`;
}

export function commandHelp(cmd: Command): string {
  return `Usage: ${cmd.usage}

${cmd.summary}.

${cmd.help}

Global flags: --url URL, --json, -h/--help (see 'gantry --help').`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function unknownCommand(name: string): CliError {
  const close = COMMANDS.find((c) => c.name.startsWith(name) || editDistance(c.name, name) <= 2);
  return usageError(
    `Unknown command '${name}'.`,
    `${close ? `Did you mean '${close.name}'? ` : ''}Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'gantry --help'.`,
  );
}

/**
 * The command is the first argument that is neither a flag nor the value of --url,
 * so global flags work before and after it (`gantry --url X whoami`, `gantry whoami --json`).
 */
function findCommand(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--url') i++;
    else if (!a.startsWith('-') || a === '-') return i;
  }
  return -1;
}

/** node:util's messages, reworded for people typing a command line. */
function parseFailure(e: unknown, where: string): CliError {
  const err = e as { code?: string; message: string };
  if (!err.code?.startsWith('ERR_PARSE_ARGS')) throw e;
  const flag = /'(-[^' ]*)/.exec(err.message)?.[1];
  const hint = `Run '${where} --help' for usage.`;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usageError(`Unknown flag ${flag ?? err.message}${where === 'gantry' ? '' : ` for '${where}'`}.`, hint);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing|ambiguous/.test(err.message)) return usageError(`Flag ${flag} needs a value.`, hint);
      if (/does not take an argument/.test(err.message)) return usageError(`Flag ${flag} does not take a value.`, hint);
      return usageError(err.message.split('. ')[0]!, hint);
    default:
      return usageError(err.message.split('. ')[0]!, hint);
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, where: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw parseFailure(e, where);
  }
}

export interface RunIo {
  env?: Env;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  stdin?: Stdin;
  fetch?: typeof fetch;
  /** Home directory for the default config location. */
  home?: string;
}

/** Runs one command line and resolves to the process exit code; never throws. */
export async function run(argv: string[], io: RunIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
  // Known before parsing so that even usage errors come out as JSON.
  const out = new Output({ stdout, stderr }, argv.includes('--json'));
  const configFile = configPath(env, io.home);

  try {
    const at = findCommand(argv);
    const name = at === -1 ? undefined : argv[at]!;

    if (name === undefined || name === 'help') {
      const rest = at === -1 ? argv : argv.filter((_, i) => i !== at);
      const { values, positionals } = parse(rest, GLOBAL_OPTIONS, 'gantry');
      if (values.version) {
        out.result(`gantry ${version()}`, { version: version() });
        return EXIT.OK;
      }
      if (name === 'help' && positionals.length > 0) {
        const cmd = COMMANDS.find((c) => c.name === positionals[0]);
        if (!cmd) throw unknownCommand(positionals[0]!);
        out.text(commandHelp(cmd));
        return EXIT.OK;
      }
      if (values.help || name === 'help') {
        out.text(mainHelp(configFile));
        return EXIT.OK;
      }
      throw usageError('No command given.', `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'gantry --help'.`);
    }

    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) throw unknownCommand(name);
    const { values, positionals } = parse(
      argv.filter((_, i) => i !== at),
      { ...GLOBAL_OPTIONS, ...cmd.options },
      `gantry ${cmd.name}`,
    );
    if (values.help) {
      out.text(commandHelp(cmd));
      return EXIT.OK;
    }
    if (values.version) {
      out.result(`gantry ${version()}`, { version: version() });
      return EXIT.OK;
    }
    const missing = cmd.args.slice(positionals.length).find((a) => a.required);
    if (missing) throw usageError(`Missing argument ${missing.name}.`, `Usage: ${cmd.usage}`);
    if (positionals.length > cmd.args.length) {
      throw usageError(`Unexpected argument '${positionals[cmd.args.length]}'.`, `Usage: ${cmd.usage}`);
    }

    const ctx = createContext({
      env,
      out,
      stdin: io.stdin ?? process.stdin,
      writePrompt: stderr,
      configFile,
      flagUrl: typeof values.url === 'string' ? values.url : undefined,
      userAgent: `gantry-cli/${version()} node/${process.versions.node}`,
      fetch: io.fetch,
    });
    return (await cmd.run(ctx, { values: values as OptionValues, positionals })) ?? EXIT.OK;
  } catch (e) {
    if (e instanceof CliError) {
      out.error(e);
      return e.exitCode;
    }
    const detail = e instanceof Error ? e.message : String(e);
    out.error(
      new CliError('INTERNAL', `Unexpected error: ${detail}`, EXIT.INTERNAL, {
        hint: env.GANTRY_DEBUG && e instanceof Error && e.stack ? redactSecrets(e.stack) : 'Set GANTRY_DEBUG=1 to see where it happened.',
      }),
    );
    return EXIT.INTERNAL;
  }
}

/** The `gantry` executable: real argv and streams, exit code on the process. */
export async function cli(): Promise<void> {
  // `gantry graphql … | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await run(process.argv.slice(2));
}
