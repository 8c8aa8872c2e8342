import net from 'node:net';

// freePort lives in core, as a model server needs a port too; scripts and tests keep importing it through this file.
export { freePort } from '../../core/platform/net';

/**
 * True when nothing listens on `port`. Checks by connecting rather than binding,
 * because a server bound to `::` or `0.0.0.0` does not always stop a bind on 127.0.0.1.
 */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return !(await canConnect(port, host, 1000));
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Throws a message naming the env var to change when a fixed port is taken. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new Error(`Port ${port} (${what}) is already in use. Stop whatever listens there or set ${envVar} to another port.`);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
