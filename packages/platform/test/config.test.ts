import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from '../src/config.ts';

const spec = {
  PORT: env.int({ default: 8443, min: 1, max: 65535 }),
  MODE: env.oneOf(['a', 'b'] as const, { default: 'a' }),
  UPSTREAM: env.url({ protocols: ['https:'] }),
  PEERS: env.list({ item: /^[a-z]+$/ }),
  KEY_FILE: env.file(),
};

describe('configuration from the environment', () => {
  it('parses and applies defaults', () => {
    const config = loadConfig(spec, { UPSTREAM: 'https://user:9443/', PEERS: 'blog, user', KEY_FILE: '/etc/hostname' });
    expect(config).toEqual({ PORT: 8443, MODE: 'a', UPSTREAM: 'https://user:9443', PEERS: ['blog', 'user'], KEY_FILE: '/etc/hostname' });
  });

  it('names every bad variable and why, at once', () => {
    let error: unknown;
    try {
      loadConfig(spec, { PORT: '99999', MODE: 'c', UPSTREAM: 'http://plain', PEERS: 'Blog', KEY_FILE: '/no/such/file' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT: must be between 1 and 65535, got 99999');
    expect(message).toContain('MODE: must be one of a, b, got "c"');
    expect(message).toContain('UPSTREAM: must use https:');
    expect(message).toContain('PEERS: item "Blog" must match');
    expect(message).toContain('KEY_FILE: file "/no/such/file" does not exist or is not readable');
  });

  it('reports a missing required variable', () => {
    expect(() => loadConfig(spec, { PEERS: 'a', KEY_FILE: '/etc/hostname' })).toThrow('UPSTREAM: is required but not set');
    expect(() => loadConfig(spec, { UPSTREAM: 'https://x', PEERS: 'a', KEY_FILE: '/etc/hostname', PORT: '80x' })).toThrow(
      'PORT: must be a whole number, got "80x"',
    );
  });
});
