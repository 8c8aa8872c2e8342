import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Stdin } from './command';
import { CliError, EXIT } from './exit-codes';
import { promptSecret } from './prompt';

/** A stream that behaves like a terminal in raw mode, recording mode switches. */
function fakeTty() {
  const modes: boolean[] = [];
  const tty = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      modes.push(mode);
      tty.isRaw = mode;
      return tty;
    },
  });
  return { tty: tty as typeof tty & Stdin, modes };
}

describe('promptSecret', () => {
  it('reads a line without echoing it and restores the terminal', async () => {
    const { tty, modes } = fakeTty();
    let written = '';
    const answer = promptSecret('API key: ', tty, (t) => (written += t));
    tty.write('gty_abc');
    tty.write('x\u007fdef\r');
    expect(await answer).toBe('gty_abcdef');
    expect(written).toBe('API key: \n');
    expect(modes).toEqual([true, false]);
  });

  it('strips bracketed-paste markers', async () => {
    const { tty } = fakeTty();
    const answer = promptSecret('? ', tty, () => {});
    tty.write('\u001b[200~gty_pasted\u001b[201~\n');
    expect(await answer).toBe('gty_pasted');
  });

  it('cancels on Ctrl-C with exit 130', async () => {
    const { tty, modes } = fakeTty();
    const answer = promptSecret('? ', tty, () => {});
    tty.write('gty_\u0003');
    const err = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.INTERRUPTED);
    expect(modes.at(-1)).toBe(false);
  });
});
