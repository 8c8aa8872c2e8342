import type { Actor } from '../tenancy/context';

export type ApiKeyActor = Extract<Actor, { kind: 'api_key' }>;

/**
 * How long a key verified against Postgres is trusted by this process without asking
 * again. It bounds how late a revocation, a removed membership or a changed role
 * reaches the other web processes; the process where the change is made forgets at
 * once. Expiry is checked on every use. See docs/decisions/0016.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  actor: ApiKeyActor;
  expiresAt: number | null;
  verifiedAt: number;
}

// One cache per process, even when Next.js bundles a copy of this module into each route.
const g = globalThis as unknown as { __gantryVerifiedApiKeys?: { verified: Map<string, Entry>; generation: number } };
const state = (g.__gantryVerifiedApiKeys ??= {
  /** Keyed by sha256 of the whole key (what api_keys stores), never by its public prefix. */
  verified: new Map<string, Entry>(),
  /** Bumped by every forget: a verification that started before it must not store its answer. */
  generation: 0,
});
const verified = state.verified;

export type CachedKey = { actor: ApiKeyActor } | { expired: true } | null;

export function cachedApiKey(digest: string, now = Date.now()): CachedKey {
  const e = verified.get(digest);
  if (!e) return null;
  if (now - e.verifiedAt >= API_KEY_CACHE_TTL_MS) {
    verified.delete(digest);
    return null;
  }
  if (e.expiresAt !== null && e.expiresAt <= now) {
    verified.delete(digest);
    return { expired: true };
  }
  return { actor: { ...e.actor, scopes: [...e.actor.scopes] } };
}

export const apiKeyCacheGeneration = () => state.generation;

/** Stores a verification that started at `startedAt` / generation `gen`, unless a forget happened since. */
export function rememberApiKey(digest: string, actor: ApiKeyActor, expiresAt: number | null, startedAt: number, gen: number): void {
  if (gen !== state.generation) return;
  if (verified.size >= MAX_ENTRIES) {
    // Oldest first: Map keeps insertion order.
    for (const k of verified.keys()) {
      verified.delete(k);
      if (verified.size < MAX_ENTRIES * 0.9) break;
    }
  }
  verified.delete(digest);
  verified.set(digest, { actor: { ...actor, scopes: [...actor.scopes] }, expiresAt, verifiedAt: startedAt });
}

/** Drops this process's verified keys of one key, or of one user in one organization. */
export function forgetApiKeys(which: { apiKeyId: string } | { orgId: string; userId: string }): void {
  state.generation++;
  for (const [digest, e] of verified) {
    const match = 'apiKeyId' in which ? e.actor.apiKeyId === which.apiKeyId : e.actor.orgId === which.orgId && e.actor.userId === which.userId;
    if (match) verified.delete(digest);
  }
}
