/** The public URL a signature must cover (issue 19.10): parsing, defaults, and the bound target. */
import { describe, expect, it } from 'vitest';
import { boundTarget, defaultPublicUrls, publicBase } from '../../../src/api/public-url.js';
import { loadConfig } from '../../../src/config.js';
import type { ConfigError } from '../../../src/errors.js';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('public URL', () => {
  it('builds the target from the public URL whose authority the request names, else the first', () => {
    const bases = ['https://wasla.example/gw/', 'http://wasla.internal:8080'].map(publicBase);
    expect(boundTarget('http://wasla.example/v1/messages?x=1', bases)).toEqual({ target: 'https://wasla.example/gw/v1/messages?x=1', authority: 'wasla.example', named: true });
    expect(boundTarget('http://wasla.internal:8080/v1/messages', bases)).toEqual({ target: 'http://wasla.internal:8080/v1/messages', authority: 'wasla.internal:8080', named: true });
    expect(boundTarget('http://10.0.0.7:8080/v1/messages', bases)).toEqual({ target: 'https://wasla.example/gw/v1/messages', authority: '10.0.0.7:8080', named: false });
    expect(boundTarget('http://WASLA.example/a%20b', bases).target).toBe('https://wasla.example/gw/a%20b');
  });

  it('normalises a public URL: lowercase host, no default port, no trailing slash', () => {
    expect(publicBase('HTTPS://Wasla.Example:443/')).toEqual({ prefix: 'https://wasla.example', host: 'wasla.example' });
    expect(() => publicBase('ftp://x')).toThrow(TypeError);
  });

  it('defaults to the listening URL, with the other loopback names on loopback', () => {
    expect(defaultPublicUrls('http://127.0.0.1:8080', true)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']);
    expect(defaultPublicUrls('http://10.1.2.3:8080', false)).toEqual(['http://10.1.2.3:8080']);
  });

  it('reads WASLA_PUBLIC_URL, and requires it when the API listens on every address', () => {
    expect(loadConfig({}).publicUrls).toEqual([]);
    expect(loadConfig({ WASLA_PUBLIC_URL: 'https://a.example, http://b.internal:8080' }).publicUrls).toEqual(['https://a.example', 'http://b.internal:8080']);
    expect(refusal({ WASLA_HOST: '0.0.0.0' }).variable).toBe('WASLA_PUBLIC_URL');
    expect(refusal({ WASLA_HOST: '::' }).variable).toBe('WASLA_PUBLIC_URL');
    expect(loadConfig({ WASLA_HOST: '0.0.0.0', WASLA_PUBLIC_URL: 'https://a.example' }).host).toBe('0.0.0.0');
    for (const bad of ['not a url', 'ftp://a.example', 'https://a.example/?q=1', 'https://user:pw@a.example']) {
      expect(refusal({ WASLA_PUBLIC_URL: bad }).variable).toBe('WASLA_PUBLIC_URL');
    }
  });
});
