/**
 * The adapters the hub has, by name. An institution that speaks one of these formats needs
 * configuration only; a new format is a folder with the same files as json-http and one line here.
 * A name in the federation's list (federation/institution.ts) without an entry here is refused by
 * the contract check (routing/check-adapters.ts) before any delivery could fail on it.
 */
import type { Adapter } from './types.js';
import { jsonHttpAdapter } from './json-http/index.js';
import { xmlHttpAdapter } from './xml-http/index.js';
import { iso20022Adapter } from './iso20022/index.js';

const ADAPTERS: ReadonlyMap<string, Adapter> = new Map([jsonHttpAdapter, xmlHttpAdapter, iso20022Adapter].map((a) => [a.name, a]));

export function adapterFor(name: string): Adapter | undefined {
  return ADAPTERS.get(name);
}

export function adapterNames(): string[] {
  return [...ADAPTERS.keys()];
}

/** the adapter that reads inbound documents of this Content-Type, JSON first */
export function inboundAdapterFor(contentType: string): Adapter | undefined {
  for (const a of ADAPTERS.values()) if (a.inboundMediaType.test(contentType)) return a;
  return undefined;
}
