/**
 * The message catalogue: loads `contracts/messages/<type>/<major>.<minor>.schema.json`, checks it
 * (valid 2020-12, `$id` matches the path, examples validate, minors backward compatible, majors
 * ship translators, published files unchanged), compiles each schema once, validates payloads
 * with a JSON pointer per fault, and translates payloads between majors.
 */
export type { Catalogue, CatalogueFault, SchemaRef } from './types.js';
export type { SchemaFault } from './ajv.js';
export { loadCatalogue, type LoadedCatalogue } from './catalogue.js';
export {
  checkCatalogue,
  lockCatalogue,
  type CheckOptions,
  type LockResult,
} from './check.js';
export { LOCK_FILE, hashSchema } from './lock.js';
export { translators, createTranslatorRegistry, type Translator, type TranslatorRegistry } from './translators/index.js';
