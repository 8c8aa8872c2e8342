import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './exit-codes';
import { keyPrefix, Output, redactSecrets } from './output';

const KEY = 'gty_ab12cd34ef56_0123456789abcdefghijklmnopqrstuvwxyzABCD';

describe('secrets', () => {
  it('cuts keys back to their public prefix', () => {
    expect(redactSecrets(`Bearer ${KEY} failed`)).toBe('Bearer gty_ab12cd34ef56… failed');
    expect(redactSecrets(`KEY=${KEY}`)).toBe('KEY=gty_ab12cd34ef56…');
    expect(redactSecrets('prefix gty_ab12cd34ef56 only')).toBe('prefix gty_ab12cd34ef56 only');
  });

  it('hides malformed keys entirely', () => {
    expect(redactSecrets('gty_short_secretpart')).toBe('gty_…');
  });

  it('knows the prefix of a key', () => {
    expect(keyPrefix(KEY)).toBe('gty_ab12cd34ef56');
    expect(keyPrefix('nope')).toBeNull();
  });
});

describe('Output', () => {
  const capture = (json: boolean) => {
    const s = { out: '', err: '' };
    return { s, o: new Output({ stdout: (t) => (s.out += t), stderr: (t) => (s.err += t) }, json) };
  };

  it('prints errors for humans with code, retry time and hint', () => {
    const { s, o } = capture(false);
    o.error(new CliError('RATE_LIMITED', 'Too many requests', EXIT.UNAVAILABLE, { fromServer: true, retryAfterSeconds: 30, hint: 'Slow down.' }));
    expect(s.err).toBe('gantry: Too many requests [RATE_LIMITED]\nRetry after 30 seconds.\nSlow down.\n');
    expect(s.out).toBe('');
  });

  it('prints errors as one JSON line with --json, never the key', () => {
    const { s, o } = capture(true);
    o.error(new CliError('BAD_USER_INPUT', `bad ${KEY}`, EXIT.BAD_INPUT, { details: { path: ['createTeam'], echo: KEY } }));
    expect(s.err.endsWith('\n')).toBe(true);
    expect(JSON.parse(s.err)).toEqual({ error: { code: 'BAD_USER_INPUT', message: 'bad gty_ab12cd34ef56…', path: ['createTeam'], echo: 'gty_ab12cd34ef56…' } });
  });

  it('streams text as is and progress on stderr for humans, neither with --json', () => {
    const human = capture(false);
    human.o.stream(`epoch 1 ${KEY}`);
    human.o.stream('');
    human.o.progress('==> running');
    expect(human.s.out).toBe('epoch 1 gty_ab12cd34ef56…');
    expect(human.s.err).toBe('==> running\n');
    const json = capture(true);
    json.o.stream('epoch 1');
    json.o.progress('==> running');
    expect(json.s).toEqual({ out: '', err: '' });
  });

  it('prints warnings as JSON lines with --json', () => {
    const { s, o } = capture(true);
    o.warn('X', 'careful');
    expect(JSON.parse(s.err)).toEqual({ warning: { code: 'X', message: 'careful' } });
  });
});
