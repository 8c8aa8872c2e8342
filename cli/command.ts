import type { ParseArgsConfig } from 'node:util';
import { GantryClient } from './client';
import { readConfig, resolveTarget, type Env, type StoredConfig, type Target } from './config';
import type { ExitCode } from './exit-codes';
import type { Output } from './output';

/** process.stdin as far as the CLI uses it; tests substitute a stream. */
export type Stdin = NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown };

export interface Context {
  env: Env;
  out: Output;
  stdin: Stdin;
  /** Prompts go to stderr so stdout stays clean for pipes. */
  writePrompt: (text: string) => void;
  configFile: string;
  /** --url exactly as given, if given. */
  flagUrl?: string;
  userAgent: string;
  fetch?: typeof fetch;
  config(): StoredConfig;
  target(): Target;
  client(target: { url: string; apiKey?: string }): GantryClient;
}

export function createContext(opts: Omit<Context, 'config' | 'target' | 'client'>): Context {
  let config: StoredConfig | undefined;
  const ctx: Context = {
    ...opts,
    config: () => (config ??= readConfig(opts.configFile, (code, message) => opts.out.warn(code, message))),
    target: () => resolveTarget({ flagUrl: opts.flagUrl, env: opts.env, config: ctx.config(), configFile: opts.configFile }),
    client: (t) => new GantryClient({ url: t.url, apiKey: t.apiKey, userAgent: opts.userAgent, fetch: opts.fetch }),
  };
  return ctx;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Shown by `gantry <name> --help`, below the usage line. */
  usage: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments, in order. */
  args: { name: string; required: boolean }[];
  /** Resolves to the exit code, or undefined for success; expected failures throw CliError. */
  run(ctx: Context, input: { values: OptionValues; positionals: string[] }): Promise<ExitCode | void>;
}
