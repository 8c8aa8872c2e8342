import type { Stdin } from './command';
import { CliError, EXIT } from './exit-codes';

/**
 * Reads one line from a terminal without echoing it, so a pasted API key never
 * appears on screen or in a terminal recording. Backspace edits; Ctrl-C cancels.
 */
export function promptSecret(question: string, stdin: Stdin, write: (text: string) => void): Promise<string> {
  if (!stdin.setRawMode) return Promise.reject(new Error('promptSecret needs a TTY'));
  const setRaw = stdin.setRawMode.bind(stdin);
  return new Promise((resolve, reject) => {
    const wasRaw = stdin.isRaw ?? false;
    let line = '';
    const finish = (err?: Error) => {
      stdin.removeListener('data', onData);
      setRaw(wasRaw);
      stdin.pause();
      write('\n');
      if (err) reject(err);
      // Bracketed paste wraps pasted text in ESC[200~ … ESC[201~.
      else resolve(line.replace(/\u001b\[20[01]~/g, '').replace(/[\u0000-\u001f\u007f]/g, ''));
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('CANCELLED', 'Cancelled.', EXIT.INTERRUPTED));
        if (ch === '\u0004') {
          if (line === '') return finish();
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          line = Array.from(line).slice(0, -1).join('');
          continue;
        }
        line += ch;
      }
    };
    write(question);
    setRaw(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** All of stdin as text, for `--key -` and `gantry graphql -`. */
export async function readStdin(stdin: Stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
