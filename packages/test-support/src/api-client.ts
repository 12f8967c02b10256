import { Agent, type buildConnector, request } from 'undici';
import { serviceForPath, type ServiceName } from '@blog/devstack';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

export interface ApiRequest {
  token?: string;
  body?: unknown;
  /** Sent as is, instead of `body` encoded as JSON. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

/** Routes each path to the service that serves it, as the gateway and the ingress do. */
export function routeByService(baseUrls: Record<ServiceName, string>): (path: string) => string {
  return (path) => {
    const service = serviceForPath(path);
    if (!service) throw new Error(`no service routes ${path}`);
    return baseUrls[service];
  };
}

/** Calls the platform over real HTTPS, trusting only the given CA (`connect` adds socket options, such as a resolver). */
export class ApiClient {
  readonly agent: Agent;

  constructor(
    private readonly baseUrlFor: (path: string) => string,
    ca: string | Buffer,
    connect: buildConnector.BuildOptions = {},
  ) {
    this.agent = new Agent({ connect: { ...connect, ca } });
  }

  async send(method: string, path: string, options: ApiRequest = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await request(`${this.baseUrlFor(path)}${path}`, { method: method as 'GET', headers, body, dispatcher: this.agent });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: parsed, text };
  }

  get = (path: string, options?: ApiRequest) => this.send('GET', path, options);
  post = (path: string, body: unknown, options?: ApiRequest) => this.send('POST', path, { ...options, body });
  put = (path: string, body: unknown, options?: ApiRequest) => this.send('PUT', path, { ...options, body });
  delete = (path: string, options?: ApiRequest) => this.send('DELETE', path, options);

  close(): Promise<void> {
    return this.agent.close();
  }
}
