import { PeerClient, PeerError, type BlogView, type TlsMaterial } from '@blog/platform';

export interface User {
  handle: string;
  name: string;
  role?: 'user' | 'admin';
  email?: string | null;
}

export interface Tokens {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: string;
  client_ip: string | null;
}

/** The API refused the request (4xx): its message is meant for the person who sent it. */
export class ApiRefusal extends Error {
  override name = 'ApiRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API did not answer, or answered 5xx: the page says to try again. */
export class ApiUnavailable extends Error {
  override name = 'ApiUnavailable';
}

/** Who a call is made for: the browser's address (for the API's throttles) and, when signed in, the access token. */
export interface Caller {
  ip: string;
  accessToken?: string;
}

/**
 * The web service's one way to the platform: the user and blog services' public APIs, as any
 * client calls them, over TLS verified against the platform CA. The browser's address goes in
 * X-Forwarded-For (the services trust the web service as a proxy, as they trust the ingress), the
 * trace goes on in traceparent.
 */
export class PlatformApi {
  private readonly user: PeerClient;
  private readonly blog: PeerClient;

  constructor(options: { userUrl: string; blogUrl: string; tls: TlsMaterial; timeoutMs: number; connectTimeoutMs?: number }) {
    const common = { tls: options.tls, timeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs, retries: 1 };
    this.user = new PeerClient({ baseUrl: options.userUrl, ...common });
    this.blog = new PeerClient({ baseUrl: options.blogUrl, ...common });
  }

  get clients(): PeerClient[] {
    return [this.user, this.blog];
  }

  private async call<T>(client: PeerClient, caller: Caller, method: string, path: string, name: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'x-forwarded-for': caller.ip };
    if (caller.accessToken) headers.authorization = `Bearer ${caller.accessToken}`;
    let response: { status: number; body: unknown };
    try {
      response = await client.call(method, path, { body, headers, name });
    } catch (error) {
      // The route pattern, not the path: a query string is user data and stays out of the logs.
      const reason = error instanceof PeerError ? (error.message.split(': ').at(-1) ?? '') : String(error);
      throw new ApiUnavailable(`${method} ${name} did not answer: ${reason}`);
    }
    const { status } = response;
    if (status >= 200 && status < 300) return response.body as T;
    const msg = (response.body as { msg?: unknown } | undefined)?.msg;
    if (status >= 400 && status < 500) throw new ApiRefusal(status, typeof msg === 'string' ? msg : `Refused (${status})`);
    throw new ApiUnavailable(`${method} ${name} answered ${status}`);
  }

  listBlogs(caller: Caller, page: { limit: number; cursor?: string }) {
    const query = new URLSearchParams({ limit: String(page.limit), ...(page.cursor ? { cursor: page.cursor } : {}) });
    return this.call<{ blog_list: BlogView[]; next_cursor: string | null }>(this.blog, caller, 'GET', `/blogs?${query}`, '/blogs');
  }

  getBlog(caller: Caller, slug: string) {
    return this.call<BlogView>(this.blog, caller, 'GET', `/blogs/${encodeURIComponent(slug)}`, '/blogs/:slug');
  }

  searchBlogs(caller: Caller, by: 'title' | 'author', text: string) {
    const query = new URLSearchParams({ [by]: text });
    return this.call<{ results: BlogView[] }>(this.blog, caller, 'GET', `/blogs/search?${query}`, '/blogs/search');
  }

  blogsByAuthorName(caller: Caller, name: string) {
    const query = new URLSearchParams({ user_name: name });
    return this.call<{ results: BlogView[] }>(this.blog, caller, 'GET', `/users/blogs?${query}`, '/users/blogs');
  }

  createBlog(caller: Caller, blog: { title: string; content: string }) {
    return this.call<BlogView>(this.blog, caller, 'POST', '/blogs', '/blogs', blog);
  }

  updateBlog(caller: Caller, slug: string, blog: { title: string; content: string }) {
    return this.call<BlogView>(this.blog, caller, 'PUT', `/blogs/${encodeURIComponent(slug)}`, '/blogs/:slug', blog);
  }

  deleteBlog(caller: Caller, slug: string) {
    return this.call<{ status: string }>(this.blog, caller, 'DELETE', `/blogs/${encodeURIComponent(slug)}`, '/blogs/:slug');
  }

  getUser(caller: Caller, handle: string) {
    return this.call<User>(this.user, caller, 'GET', `/users/${encodeURIComponent(handle)}`, '/users/:handle');
  }

  listUsers(caller: Caller, page: { limit: number; cursor?: string }) {
    const query = new URLSearchParams({ limit: String(page.limit), ...(page.cursor ? { cursor: page.cursor } : {}) });
    return this.call<{ user_list: User[]; next_cursor: string | null }>(this.user, caller, 'GET', `/users?${query}`, '/users');
  }

  createUser(caller: Caller, user: { handle: string; name: string; password: string; email?: string }) {
    return this.call<User>(this.user, caller, 'POST', '/users', '/users', user);
  }

  updateUser(caller: Caller, handle: string, changes: { name?: string; email?: string | null; password?: string; role?: string }) {
    return this.call<User>(this.user, caller, 'PUT', `/users/${encodeURIComponent(handle)}`, '/users/:handle', changes);
  }

  deleteUser(caller: Caller, handle: string) {
    return this.call<{ status: string }>(this.user, caller, 'DELETE', `/users/${encodeURIComponent(handle)}`, '/users/:handle');
  }

  signIn(caller: Caller, credentials: { username: string; password: string }) {
    return this.call<Tokens>(this.user, caller, 'POST', '/auth', '/auth', credentials);
  }

  refresh(caller: Caller, refreshToken: string) {
    return this.call<Tokens>(this.user, caller, 'POST', '/auth/refresh', '/auth/refresh', { refresh_token: refreshToken });
  }

  signOut(caller: Caller) {
    return this.call<{ status: string }>(this.user, caller, 'POST', '/auth/logout', '/auth/logout', {});
  }

  audit(caller: Caller, trail: 'users' | 'blogs', before?: string) {
    const query = new URLSearchParams({ limit: '50', ...(before ? { before } : {}) });
    return this.call<{ events: AuditEvent[]; next_before: string | null }>(
      trail === 'users' ? this.user : this.blog,
      caller,
      'GET',
      `/audit/${trail}?${query}`,
      `/audit/${trail}`,
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.user.close(), this.blog.close()]);
  }
}
