/**
 * The catalogue's own annotation keywords that sit at a schema's root, assert nothing about a
 * payload, and stay outside the lock: what the hub derives from a message (the case index it
 * writes, the classification it computes, the fields that must name the signer), not what the
 * message may contain. Declaring them on a schema published before they existed is therefore not an
 * edit of what it accepts; each has its own check, and a change to one is reviewed like a change to
 * an agreement.
 *
 * `x-wasla-classification` is not among them: it decides who may receive a type, so it is under the
 * lock and a later minor may not change it (lint.ts).
 */
export const INDEX_KEYWORD = 'x-wasla-index';
export const JUVENILE_WHEN_KEYWORD = 'x-wasla-juvenile-when';
export const GBV_WHEN_KEYWORD = 'x-wasla-gbv-when';
export const ISSUER_KEYWORD = 'x-wasla-issuer';

/** annotation keywords the lock hashes schemas without (lock.ts) */
export const UNLOCKED_ANNOTATIONS = [INDEX_KEYWORD, JUVENILE_WHEN_KEYWORD, GBV_WHEN_KEYWORD, ISSUER_KEYWORD] as const;
