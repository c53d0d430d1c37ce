/**
 * The message catalogue's public contract. The spine (api, workers) depends only on this; the
 * implementation in this folder loads `contracts/messages/<type>/<major>.<minor>.schema.json`,
 * compiles every schema once with ajv (draft 2020-12), and translates between majors.
 */
import type { Fault } from '../errors.js';

/** A fault in the catalogue: the file it is in, and the JSON pointer inside that file. */
export interface CatalogueFault extends Fault {
  file: string;
}

export interface SchemaRef {
  type: string;
  /** "<major>.<minor>" */
  version: string;
  major: number;
  minor: number;
}

export interface Catalogue {
  /** every published (type, version), sorted by type then version */
  list(): SchemaRef[];
  /** the schema document as published, or undefined */
  get(type: string, version: string): Record<string, unknown> | undefined;
  has(type: string, version?: string): boolean;
  /** majors published for a type, ascending */
  majors(type: string): number[];
  /** the latest minor of a major (or of the latest major) */
  latest(type: string, major?: number): SchemaRef | undefined;
  /** validate data against (type, version); [] when valid. Pointers are relative to the data. */
  validate(type: string, version: string, data: unknown): Fault[];
  /**
   * Translate data of (type, fromVersion) to the latest minor of `toMajor`, chaining translators
   * one major at a time. Same major: data unchanged, version = fromVersion.
   */
  translate(type: string, fromVersion: string, toMajor: number, data: unknown): { version: string; data: unknown };
  /**
   * The pointers a document of any other major must carry to be translated to `toMajor` (the
   * `requires` of every translator on the way), sorted; [] when every translation is total.
   * Routing refuses an agreement that pins a recipient to `toMajor` without conditions that make
   * these pointers exist. Optional so that a hand-made Catalogue (tests) can leave it out.
   */
  translationRequires?(type: string, toMajor: number): string[];
}
