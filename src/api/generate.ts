/**
 * The OpenAPI document without a running hub: the app is built over dependencies that are never
 * called, since registering a route only records it.
 */
import { createApp } from './app.js';
import type { ApiDeps } from './deps.js';
import { VERSION } from '../version.js';

export function generateOpenApi(): Record<string, unknown> {
  const unused = new Proxy(
    {},
    {
      get: () => {
        throw new Error('not available while generating the OpenAPI document');
      },
    },
  );
  const deps = new Proxy({ version: VERSION } as ApiDeps, {
    get: (target, prop) => (prop in target ? (target as any)[prop] : unused),
  });
  return createApp(deps).openapi();
}
