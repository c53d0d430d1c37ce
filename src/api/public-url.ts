/**
 * The URL institutions reach this hub at (WASLA_PUBLIC_URL, or what it listens on), and the
 * request target a signature must cover here (issue 19.10). RFC 9421 binds a signature to
 * `@target-uri`; built from the client's Host header, that binding meant nothing — a request signed
 * for another hub of the same federation, relayed with its own Host, verified here. The target is
 * therefore this hub's public URL with the request's path and query, whatever Host says.
 */

export interface PublicBase {
  /** scheme://authority[/base path], normalised (lowercase host, default port left out, no trailing slash) */
  prefix: string;
  /** the authority as URL.host gives it: what a Host header naming this hub holds */
  host: string;
}

/** One public URL, normalised; throws TypeError when it is not an http(s) URL without query or fragment. */
export function publicBase(raw: string): PublicBase {
  const u = new URL(raw);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`expected an http or https URL, got ${u.protocol}`);
  if (u.search || u.hash || u.username || u.password) throw new TypeError('expected a URL without credentials, query or fragment');
  return { prefix: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`, host: u.host };
}

/** The request's target split as the server built it: the authority it named, and path + query as sent. */
export function splitTarget(url: string): { authority: string; rest: string } {
  const u = new URL(url);
  const start = url.indexOf('://') + 3;
  const at = url.slice(start).search(/[/?#]/);
  const rest = at < 0 ? '/' : url.slice(start + at).replace(/#.*$/, '');
  return { authority: u.host, rest: rest.startsWith('/') ? rest : `/${rest}` };
}

/**
 * The target URI a signature must cover here: the public URL whose authority the request named
 * (a hub may be reached under several), else the first — a proxy may have rewritten Host — with the
 * request's path and query. `named` tells whether the request named this hub at all.
 */
export function boundTarget(url: string, bases: readonly PublicBase[]): { target: string; authority: string; named: boolean } {
  const { authority, rest } = splitTarget(url);
  const mine = bases.find((b) => b.host === authority);
  return { target: (mine ?? bases[0]).prefix + rest, authority, named: mine !== undefined };
}

/** What a hub that listens on `listenUrl` answers to when no public URL is configured: that, and on loopback, its other names. */
export function defaultPublicUrls(listenUrl: string, loopback: boolean): string[] {
  if (!loopback) return [listenUrl];
  const port = new URL(listenUrl).port;
  const names = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `http://${h}${port ? `:${port}` : ''}`);
  return [listenUrl, ...names.filter((n) => publicBase(n).prefix !== publicBase(listenUrl).prefix)];
}
