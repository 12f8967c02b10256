import { PeerError, serviceUnavailable, type PeerClient, type RevocationSnapshot } from '@blog/platform';
import type { JSONWebKeySet } from 'jose';

export interface DirectoryUser {
  handle: string;
  name: string;
  role: string;
}

/** The blog service's only window on users: the user service's internal API over mutual TLS. */
export class UserDirectory {
  constructor(private readonly client: PeerClient) {}

  /** `name` is the route pattern, for the span: the path itself carries handles and search text. */
  private async get<T>(path: string, name: string, acceptNotFound = false): Promise<T | undefined> {
    let response;
    try {
      response = await this.client.call<T>('GET', path, { name });
    } catch (error) {
      if (error instanceof PeerError) throw serviceUnavailable('The user service is unavailable; try again shortly');
      throw error;
    }
    if (acceptNotFound && response.status === 404) return undefined;
    if (response.status !== 200) throw serviceUnavailable(`The user service answered ${response.status}`);
    return response.body;
  }

  /** The user with its canonical handle, or undefined when no such user exists. */
  findUser(handle: string): Promise<DirectoryUser | undefined> {
    return this.get<DirectoryUser>(`/internal/users/${encodeURIComponent(handle)}`, '/internal/users/:handle', true);
  }

  async handlesWithNameContaining(text: string): Promise<string[]> {
    const body = await this.get<{ handles: string[] }>(`/internal/users?name_contains=${encodeURIComponent(text)}`, '/internal/users');
    return body!.handles;
  }

  async jwks(): Promise<JSONWebKeySet> {
    return (await this.get<JSONWebKeySet>('/.well-known/jwks.json', '/.well-known/jwks.json'))!;
  }

  async revocations(): Promise<RevocationSnapshot> {
    return (await this.get<RevocationSnapshot>('/internal/revocations', '/internal/revocations'))!;
  }
}
