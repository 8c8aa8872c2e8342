import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { createLogger } from '../observability/logger';

const log = createLogger('auth');

// argon2id (the library default), OWASP's memory-hard parameters.
const PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const passwordSchema = z
  .string()
  .min(10, 'Password must be at least 10 characters')
  .max(200, 'Password must be at most 200 characters')
  .refine((p) => new Set(p).size >= 5, 'Password is too repetitive')
  .refine((p) => !COMMON.has(p.toLowerCase()), 'Password is too common');

const COMMON = new Set([
  'password123',
  'password1234',
  '1234567890',
  'qwertyuiop',
  'letmein123',
  'iloveyou123',
  'welcome123',
  'administrator',
  'passw0rd123',
  'abcdefghij',
]);

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch (err) {
    // A stored hash argon2 cannot read is refused like a wrong password, but never quietly.
    log.error('a stored password hash could not be verified', { err });
    return false;
  }
}

/** A real hash to verify against when the user does not exist, so timing does not reveal accounts. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword('gantry-dummy-password-for-timing');
  return dummy;
}
