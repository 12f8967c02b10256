import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRefusal, type Caller, type PlatformApi, type Tokens } from './api/platform-api.ts';

/** The cookie's name: `__Host-` makes the browser refuse it unless Secure, host-only and Path=/. */
export const sessionCookieName = '__Host-session';

/** What the sealed cookie holds for a signed-in person. The browser cannot read or change it. */
export interface SignedIn {
  handle: string;
  role: 'user' | 'admin';
  accessToken: string;
  /** When the access token expires (ms since the epoch). */
  accessExpiresAt: number;
  refreshToken: string;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    signedIn: SignedIn;
    /** A form's fields and errors carried over one redirect (never a password). */
    flash: { notice?: string };
  }
}

/**
 * The session key ring ({"primary": id, "keys": {id: base64}}): the primary seals new cookies,
 * the others still open cookies sealed before a rotation, until they are removed.
 */
export function readSessionKeys(file: string): Buffer[] {
  let ring: { primary?: unknown; keys?: Record<string, unknown> };
  try {
    ring = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`SESSION_KEYS_FILE: ${file} is not JSON (${(error as Error).message})`);
  }
  const entries = Object.entries(ring.keys ?? {});
  if (typeof ring.primary !== 'string' || !entries.some(([id]) => id === ring.primary))
    throw new Error(`SESSION_KEYS_FILE: ${file} names no primary key among its keys`);
  const ordered = [...entries.filter(([id]) => id === ring.primary), ...entries.filter(([id]) => id !== ring.primary)];
  return ordered.map(([id, value]) => {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new Error(`SESSION_KEYS_FILE: key "${id}" is not 32 bytes of base64`);
    return key;
  });
}

function claimsOf(accessToken: string): { role: 'user' | 'admin' } {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { role?: unknown };
  return { role: payload.role === 'admin' ? 'admin' : 'user' };
}

/** The session a sign-in (or a refresh) opens: the tokens, sealed; the role read from the token for the menus only. */
export function signedInFrom(handle: string, tokens: Tokens): SignedIn {
  return {
    handle,
    role: claimsOf(tokens.access_token).role,
    accessToken: tokens.access_token,
    // A margin, so that a token is never sent in the last seconds of its life.
    accessExpiresAt: Date.now() + (tokens.expires_in - 15) * 1000,
    refreshToken: tokens.refresh_token,
  };
}

export function viewerOf(request: FastifyRequest): SignedIn | undefined {
  return request.session.get('signedIn');
}

/** The page needs a signed-in person and there is none (or their session has ended): to the sign-in page. */
export class SignInRequired extends Error {
  override name = 'SignInRequired';
}

/** Ends the session in this browser: the cookie is cleared. */
export function endSession(request: FastifyRequest): void {
  request.session.delete();
}

/**
 * The caller for an API call made for the signed-in person: the access token, refreshed first
 * when it has expired. A refresh the API refuses (signed out elsewhere, password changed, the
 * session revoked) ends the session here too.
 */
export async function signedInCaller(request: FastifyRequest, api: PlatformApi): Promise<Caller & { viewer: SignedIn }> {
  let viewer = viewerOf(request);
  if (!viewer) throw new SignInRequired();
  if (Date.now() >= viewer.accessExpiresAt) {
    try {
      viewer = signedInFrom(viewer.handle, await api.refresh({ ip: request.ip }, viewer.refreshToken));
    } catch (error) {
      if (error instanceof ApiRefusal) {
        endSession(request);
        throw new SignInRequired();
      }
      throw error;
    }
    request.session.set('signedIn', viewer);
  }
  return { ip: request.ip, accessToken: viewer.accessToken, viewer };
}

/** A call made for the signed-in person; an access token the API refuses (revoked) ends the session. */
export async function asViewer<T>(
  request: FastifyRequest,
  api: PlatformApi,
  call: (caller: Caller & { viewer: SignedIn }) => Promise<T>,
): Promise<T> {
  const caller = await signedInCaller(request, api);
  try {
    return await call(caller);
  } catch (error) {
    if (error instanceof ApiRefusal && error.status === 401) {
      endSession(request);
      throw new SignInRequired();
    }
    throw error;
  }
}

export function redirectToSignIn(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const back = request.method === 'GET' ? request.url : '/';
  return reply.redirect(`/sign-in?next=${encodeURIComponent(back)}`, 303);
}
