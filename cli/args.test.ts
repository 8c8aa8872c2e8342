import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes';
import { runInProcess } from './test/run-in-process';

const KEY = 'gty_ab12cd34ef56_0123456789abcdefghijklmnopqrstuvwxyzABCD';

describe('usage errors exit 2 before anything is sent', () => {
  it.each([
    ['no command', [], /No command given/],
    ['an unknown command', ['deploy'], /Unknown command 'deploy'/],
    ['an unknown global flag', ['--verbose'], /Unknown flag --verbose/],
    ['an unknown command flag', ['whoami', '--key', 'x'], /Unknown flag --key for 'gantry whoami'/],
    ['a flag of another command', ['logout', '--var', 'a=b'], /Unknown flag --var/],
    ['--url without a value', ['whoami', '--url'], /Flag --url needs a value/],
    ['--url swallowing the next flag', ['whoami', '--url', '--json'], /Flag --url needs a value/],
    ['a value for a boolean flag', ['whoami', '--json=yes'], /--json does not take a value/],
    ['an --url that is not http(s)', ['whoami', '--url', 'localhost:3000'], /--url is not an http\(s\) URL/],
    ['a GANTRY_URL that is not a URL', ['whoami'], /GANTRY_URL is not an http\(s\) URL/, { GANTRY_URL: 'nope' }],
    ['graphql without a query', ['graphql'], /Missing argument QUERY/],
    ['graphql with two queries', ['graphql', '{ a }', '{ b }'], /Unexpected argument '\{ b \}'/],
    ['an extra argument', ['whoami', 'now'], /Unexpected argument 'now'/],
    ['an empty query', ['graphql', '  '], /query is empty/],
    ['--variables that is not JSON', ['graphql', '{ viewer { role } }', '--variables', '{x'], /--variables is not valid JSON/],
    ['--variables that is not an object', ['graphql', '{ viewer { role } }', '--variables', '[1]'], /must be a JSON object/],
    ['--var without =', ['graphql', 'query ($a: String) { viewer { role } }', '--var', 'a'], /--var expects name=value/],
    ['--var for an undeclared variable', ['graphql', '{ viewer { role } }', '--var', 'b=1'], /declares no \$b/],
    ['--var with a non-integer Int', ['graphql', 'query ($n: Int) { teams(first: $n) { pageInfo { hasNextPage } } }', '--var', 'n=ten'], /\$n is an Int/],
    ['login without a key and no terminal', ['login'], /No API key given/],
    ['login with an empty key', ['login', '--key', ' '], /empty/],
    ['help for an unknown command', ['help', 'nope'], /Unknown command 'nope'/],
  ] as [string, string[], RegExp, Record<string, string>?][])('%s', async (_name, argv, message, env) => {
    const r = await runInProcess(argv, { env });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.requests).toEqual([]);
  });

  it('suggests the closest command', async () => {
    const r = await runInProcess(['whoamj']);
    expect(r.stderr).toMatch(/Did you mean 'whoami'\?/);
  });

  it('reports usage errors as JSON with --json', async () => {
    const r = await runInProcess(['graphql', '--json']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'USAGE_ERROR', message: 'Missing argument QUERY.' } });
  });

  it('never echoes a key given in the wrong place', async () => {
    const r = await runInProcess(['whoami', KEY]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('gty_ab12cd34ef56…');
    expect(r.stderr).not.toContain('0123456789abcdef');
  });
});

describe('help and version', () => {
  it('--help documents commands, flags and every exit code', async () => {
    const r = await runInProcess(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['login', 'logout', 'whoami', 'graphql', '--url', '--json', '--version', 'GANTRY_API_KEY', 'GANTRY_CONFIG']) {
      expect(r.stdout).toContain(word);
    }
    for (const code of ['0', '1', '2', '3', '4', '5', '6']) expect(r.stdout).toMatch(new RegExp(`^  ${code} `, 'm'));
    expect(r.stdout).toMatch(/RATE_LIMITED/);
  });

  it.each([['login'], ['logout'], ['whoami'], ['graphql']])('%s --help and -h', async (cmd) => {
    for (const flag of ['--help', '-h']) {
      const r = await runInProcess([cmd, flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: gantry ${cmd}`));
    }
    expect((await runInProcess(['help', cmd])).stdout).toMatch(new RegExp(`^Usage: gantry ${cmd}`));
  });

  it('help flags win over missing arguments', async () => {
    expect((await runInProcess(['graphql', '--help'])).code).toBe(0);
  });

  it('--version, plain and JSON', async () => {
    expect((await runInProcess(['--version'])).stdout).toMatch(/^gantry \d+\.\d+\.\d+/);
    expect(JSON.parse((await runInProcess(['--version', '--json'])).stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('accepts global flags before the command', async () => {
    const r = await runInProcess(['--url', 'http://127.0.0.1:9', '--json', 'whoami']);
    // Past parsing: not logged in is exit 3, not a usage error.
    expect(r.code).toBe(EXIT.UNAUTHENTICATED);
    expect(JSON.parse(r.stderr).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('not authenticated', () => {
  it('whoami without any key exits 3 and sends nothing', async () => {
    const r = await runInProcess(['whoami']);
    expect(r.code).toBe(EXIT.UNAUTHENTICATED);
    expect(r.stderr).toMatch(/Not logged in to http:\/\/localhost:3000\.\nRun 'gantry login'/);
    expect(r.requests).toEqual([]);
  });
});

describe('variables', () => {
  it('sends --var values with the declared types, overriding --variables', async () => {
    const { buildVariables } = await import('./commands/graphql');
    const q = 'query ($n: Int!, $f: Float, $b: Boolean, $id: ID!, $s: String, $l: [ID!], $i: CreateTeamInput!, $r: OrgRole) { viewer { role } }';
    const v = await buildVariables(
      q,
      ['n=5', 'f=0.5', 'b=false', 'id=007', 's=null', 'l=["a"]', 'i={"name":"Vision"}', 'r=admin', '$f=1.5'],
      '{"n": 1, "extra": true}',
    );
    expect(v).toEqual({ n: 5, f: 1.5, b: false, id: '007', s: 'null', l: ['a'], i: { name: 'Vision' }, r: 'admin', extra: true });
  });

  it('passes text through when the query does not parse locally (the server reports it)', async () => {
    const { buildVariables } = await import('./commands/graphql');
    expect(await buildVariables('{ oops', ['a=1'], undefined)).toEqual({ a: '1' });
  });
});
