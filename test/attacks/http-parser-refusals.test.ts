// Requests that Node's HTTP parser refuses before any route sees them (request smuggling's
// Content-Length with Transfer-Encoding, a broken request line, headers past the limit) are
// answered in the API's error format on every server we run: JSON with `msg` and `request_id`,
// the security headers, and the connection closed. Raw bytes over real TLS sockets.
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { publicPorts, startTestGateway, type TestGateway } from './test-gateway.ts';

let platform: TestPlatform;
let gateway: TestGateway;
let ports: Record<string, number> = {};

beforeAll(async () => {
  platform = await startPlatform();
  gateway = await startTestGateway(platform);
  ports = publicPorts(platform, gateway);
});
afterAll(async () => {
  await gateway?.app.close();
  await platform?.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  closed: boolean;
}

function parseAnswer(received: string, closed: boolean): RawAnswer | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = received.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const body = received.slice(end + 4);
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (!closed && !(body.length >= length)) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body, closed };
}

/** Sends `bytes` as they are over HTTP/1.1 on TLS; the answer once it is whole, and whether the server then closed. */
function sendRaw(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: platform.ca.trustPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
    let received = '';
    let answer: RawAnswer | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      if (answer) resolve(answer);
      else reject(new Error(`no whole answer within 10 s; received ${JSON.stringify(received.slice(0, 200))}`));
    }, 10_000);
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      answer = parseAnswer(received, false);
      // A well-formed request's answer is whole here; the refusals are awaited until the close.
      if (answer && answer.status < 400) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const whole = parseAnswer(received, true);
      if (whole) resolve(whole);
      else reject(new Error(`closed without an answer; received ${JSON.stringify(received.slice(0, 200))}`));
    });
  });
}

const refusals = [
  {
    name: 'Content-Length with Transfer-Encoding',
    status: 400,
    bytes:
      'POST /blogs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  { name: 'a broken request line', status: 400, bytes: 'GET /blogs HTTP/9\x01\r\nHost: localhost\r\n\r\n' },
  {
    name: 'headers past the limit',
    status: 431,
    bytes: `GET /blogs HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
  },
];

describe.each(['gateway', 'user public', 'blog public'])('the %s port', (name) => {
  it.each(refusals)('answers $name in the error format, with the security headers, and closes', async ({ status, bytes }) => {
    const answer = await sendRaw(ports[name]!, bytes);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(answer.headers.connection).toBe('close');
    expect(answer.closed).toBe(true);
    const body = JSON.parse(answer.body);
    expect(body).toEqual({ msg: expect.any(String), request_id: answer.headers['x-request-id'] });
    expect(body.msg.length).toBeGreaterThan(10);
    if (name === 'gateway') expect(answer.headers['strict-transport-security']).toMatch(/^max-age=/);
  });

  it('still serves a well-formed request on a new connection', async () => {
    const answer = await sendRaw(ports[name]!, 'GET /blogs HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(answer.status).toBe(name === 'user public' ? 404 : 200);
  });
});
