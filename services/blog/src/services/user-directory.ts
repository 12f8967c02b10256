import {
  InternalClient,
  PeerError,
  serviceUnavailable,
  userServiceApi,
  type DirectoryUser,
  type PeerClient,
  type RevocationSnapshot,
} from '@blog/platform';
import type { JSONWebKeySet } from 'jose';
import type { Static } from 'typebox';

/** What the blog service needs to know of users; the user service's internal API answers it. */
export interface UserLookup {
  /** The user with its canonical handle, or undefined when no such user exists. */
  findUser(handle: string): Promise<Static<typeof DirectoryUser> | undefined>;
  handlesWithNameContaining(text: string): Promise<string[]>;
  jwks(): Promise<JSONWebKeySet>;
  revocations(): Promise<RevocationSnapshot>;
  /** Whether a session is open now (not signed out, not revoked, not expired). */
  sessionIsActive(sessionId: string): Promise<boolean>;
}

/** The blog service's only window on users: the user service's internal API over mutual TLS. */
export class UserDirectory implements UserLookup {
  private readonly api: InternalClient<typeof userServiceApi>;

  constructor(peer: PeerClient) {
    this.api = new InternalClient(peer, userServiceApi);
  }

  /** A peer that cannot be reached, or breaks the contract, is a 503 for the client. */
  private async unavailableOnFailure<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PeerError) throw serviceUnavailable('The user service is unavailable; try again shortly');
      throw error;
    }
  }

  findUser(handle: string) {
    return this.unavailableOnFailure(() => this.api.call('findUser', { params: { handle } }));
  }

  handlesWithNameContaining(text: string) {
    return this.unavailableOnFailure(async () => (await this.api.call('handlesByName', { query: { name_contains: text } })).handles);
  }

  jwks() {
    return this.unavailableOnFailure(async () => (await this.api.call('jwks')) as JSONWebKeySet);
  }

  revocations() {
    return this.unavailableOnFailure(() => this.api.call('revocations'));
  }

  sessionIsActive(sessionId: string) {
    return this.unavailableOnFailure(async () => (await this.api.call('sessionActive', { params: { session_id: sessionId } })).active);
  }
}
