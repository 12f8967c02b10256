import { Agent, request } from 'undici';
import type { TlsMaterial } from './tls.ts';
import { withClientSpan } from './tracing.ts';

export class PeerError extends Error {
  override name = 'PeerError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PeerResponse<T> {
  status: number;
  body: T;
}

export interface PeerClientOptions {
  /** e.g. https://user-service:9443 */
  baseUrl: string;
  tls: TlsMaterial;
  timeoutMs?: number;
  /**
   * How long a new connection (TCP and the TLS handshake) may take. A peer on a node that just
   * died drops the connection attempt without an answer: waiting the whole call's timeout for it
   * would fail the caller's request, while another replica behind the same Service answers at once.
   */
  connectTimeoutMs?: number;
  /** Extra attempts for idempotent requests that fail before any response, or are answered 503. */
  retries?: number;
}

const idempotent = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Errors of a connection that was never made: nothing was sent, so any request may be sent again. */
const notConnected = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/**
 * How many more connections a call tries when one cannot be made: enough for a Service with one
 * replica of three on a dead node to pick a live one almost surely ((1/3)^4), few enough that a
 * peer that is down (refused at once) is known within a second.
 */
const connectionRetries = 3;

function neverSent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && notConnected.has(code);
}

/** The one way services call each other: HTTPS with the caller's certificate (mutual TLS), JSON in and out. */
export class PeerClient {
  readonly baseUrl: string;
  private agent: Agent;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly retries: number;

  constructor(options: PeerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.connectTimeoutMs = Math.min(options.connectTimeoutMs ?? 3000, this.timeoutMs);
    this.retries = options.retries ?? 2;
    this.agent = this.agentFor(options.tls);
  }

  private agentFor(tls: TlsMaterial): Agent {
    return new Agent({
      connect: { ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', timeout: this.connectTimeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  /** Called when rotated certificate files are read again. */
  reloadTls(tls: TlsMaterial): void {
    const old = this.agent;
    this.agent = this.agentFor(tls);
    void old.close();
  }

  /** One call in a client span named `name` (the route pattern, not the URL with its values). */
  async call<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; name?: string } = {},
  ): Promise<PeerResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    return withClientSpan(`${method} ${options.name ?? path.split('?')[0]}`, headers, async (span) => {
      const response = await this.attempt<T>(method, path, options.body, headers);
      span.setAttribute('http.response.status_code', response.status);
      return response;
    });
  }

  /**
   * The request, repeated when the method is idempotent and it failed before any answer or was
   * answered 503 (a replica stopping): the next attempt may reach another replica. A connection
   * that could not be made (a replica gone without a word, its address not yet out of the
   * Service) is made again for any method, up to `connectionRetries` times within the call's
   * timeout: the Service picks a replica per connection, and nothing was sent.
   */
  private async attempt<T>(
    method: string,
    path: string,
    requestBody: unknown,
    extraHeaders: Record<string, string>,
  ): Promise<PeerResponse<T>> {
    const body = requestBody === undefined ? undefined : JSON.stringify(requestBody);
    const headers = { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders };
    const attempts = idempotent.has(method) ? this.retries + 1 : 1;
    const deadline = Date.now() + this.timeoutMs;
    /** Attempts that may have reached the peer; connections never made count apart. */
    let reached = 0;
    let unconnected = 0;
    let lastError: unknown;
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      try {
        const response = await request(`${this.baseUrl}${path}`, {
          method: method as 'GET',
          dispatcher: this.agent,
          headers,
          body,
        });
        const text = await response.body.text();
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          throw new PeerError(`${method} ${path}: peer answered ${response.statusCode} with a body that is not JSON`, response.statusCode);
        }
        if (response.statusCode !== 503 || ++reached >= attempts) return { status: response.statusCode, body: parsed as T };
        lastError = new PeerError(`${method} ${path}: peer answered 503`, 503);
      } catch (error) {
        if (error instanceof PeerError) throw error;
        lastError = error;
        const again = neverSent(error)
          ? ++unconnected <= connectionRetries && Date.now() + pause + this.connectTimeoutMs <= deadline
          : ++reached < attempts;
        if (!again) break;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    throw new PeerError(`${method} ${this.baseUrl}${path} failed: ${(lastError as Error)?.message ?? String(lastError)}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
