import { Type, type Static, type TSchema } from 'typebox';
import { PeerError, type PeerClient } from './peer-client.ts';
import { Handle } from './schemas.ts';
import { compileValidator } from './server.ts';

/**
 * The internal API between the two services, on their mutual-TLS ports: each route's schemas,
 * which the serving side registers its route with and the calling side validates answers by,
 * so that both read the same contract. Only the methods and paths here exist between them.
 */
export interface InternalRoute {
  method: 'GET' | 'DELETE';
  /** A Fastify route pattern; `:name` parameters come from `params`. */
  url: string;
  params?: TSchema;
  querystring?: TSchema;
  response: TSchema;
  /** Answers that are not an error but a result, e.g. 404 for a user who does not exist. */
  expected?: number[];
}

const HandleParams = Type.Object({ handle: Handle }, { additionalProperties: false });

export const DirectoryUser = Type.Object({
  handle: Handle,
  name: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
});
export const JsonWebKeySet = Type.Object({
  keys: Type.Array(
    Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() }),
  ),
});
export const RevokedSessions = Type.Object({ revoked_sessions: Type.Array(Type.String({ format: 'uuid' })) });
const SessionParams = Type.Object({ session_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** Served by the user service, called by the blog service. */
export const userServiceApi = {
  findUser: { method: 'GET', url: '/internal/users/:handle', params: HandleParams, response: DirectoryUser, expected: [404] },
  handlesByName: {
    method: 'GET',
    url: '/internal/users',
    querystring: Type.Object(
      {
        name_contains: Type.String({ minLength: 1, maxLength: 128, format: 'single-line' }),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
      },
      { additionalProperties: false },
    ),
    response: Type.Object({ handles: Type.Array(Handle) }),
  },
  revocations: { method: 'GET', url: '/internal/revocations', response: RevokedSessions },
  /** Whether a session is open now, from the user service's database: asked before every write. */
  sessionActive: {
    method: 'GET',
    url: '/internal/sessions/:session_id',
    params: SessionParams,
    response: Type.Object({ active: Type.Boolean() }),
  },
  jwks: { method: 'GET', url: '/.well-known/jwks.json', response: JsonWebKeySet },
} as const satisfies Record<string, InternalRoute>;

/** Served by the blog service, called by the user service's deletion relay. */
export const blogServiceApi = {
  /** Idempotent: repeated until acknowledged, a repeat deletes nothing more. */
  deleteAuthorBlogs: {
    method: 'DELETE',
    url: '/internal/authors/:handle/blogs',
    params: HandleParams,
    response: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }),
  },
} as const satisfies Record<string, InternalRoute>;

type Input<R extends InternalRoute> = (R['params'] extends TSchema ? { params: Static<R['params']> } : { params?: undefined }) &
  (R['querystring'] extends TSchema ? { query: Partial<Static<R['querystring']>> } : { query?: undefined });

/** The answer's body; undefined for an answer the route lists as a result (404 for no such user). */
export type InternalAnswer<R extends InternalRoute> = R['expected'] extends number[]
  ? Static<R['response']> | undefined
  : Static<R['response']>;

/**
 * Calls a peer's internal routes by name. An answer that breaks the contract, or an error
 * status the route does not list as a result, is a PeerError: the caller answers 503.
 */
export class InternalClient<Api extends Record<string, InternalRoute>> {
  private readonly validators = new Map<string, (value: unknown) => boolean>();

  constructor(
    private readonly peer: PeerClient,
    private readonly api: Api,
  ) {
    for (const [name, route] of Object.entries(api)) this.validators.set(name, compileValidator(route.response));
  }

  async call<N extends keyof Api & string>(
    name: N,
    ...[input]: Input<Api[N]> extends { params?: undefined; query?: undefined } ? [Input<Api[N]>?] : [Input<Api[N]>]
  ): Promise<InternalAnswer<Api[N]>> {
    const route = this.api[name]!;
    const params = (input?.params ?? {}) as Record<string, string>;
    const path = route.url.replace(/:(\w+)/g, (_, key: string) => encodeURIComponent(params[key]!));
    const query = input?.query
      ? `?${new URLSearchParams(Object.entries(input.query).map(([k, v]): [string, string] => [k, String(v)]))}`
      : '';
    const response = await this.peer.call<unknown>(route.method, `${path}${query}`, { name: route.url });
    if (response.status === 200) {
      if (!this.validators.get(name)!(response.body))
        throw new PeerError(`${route.method} ${route.url}: the answer does not match the contract`, 200);
      return response.body as InternalAnswer<Api[N]>;
    }
    if (route.expected?.includes(response.status)) return undefined as InternalAnswer<Api[N]>;
    throw new PeerError(`${route.method} ${route.url}: peer answered ${response.status}`, response.status);
  }
}
