/**
 * The registry of every translator the hub ships. Adding a major to a type means adding its
 * file here; `wasla schemas check` refuses a major N > 1 without translators N-1 <-> N.
 */
import { createTranslatorRegistry, type TranslatorRegistry } from './types.js';
import { warrantIssuedTranslators } from './warrant.issued.js';

export type { Translator, TranslatorRegistry } from './types.js';
export { createTranslatorRegistry } from './types.js';

export const translators: TranslatorRegistry = createTranslatorRegistry([...warrantIssuedTranslators]);
