/**
 * A translator turns a payload of one major of a message type into the adjacent major. The hub
 * chains them one major at a time. Contract: `translate` is pure (never mutates its input), accepts
 * any document valid against ANY minor of `from` that carries every pointer in `requires`, and
 * returns a document valid against the LATEST minor of `to` (which, since minors only add optional
 * fields, is valid for every later minor too).
 *
 * `requires` is how a translation that cannot exist for every document says so: when the target
 * major requires a value the source major may leave out (warrant.issued 3.0 may name a person with
 * no national id; 2.x cannot), the translator lists that value's pointer. The chain refuses such a
 * document with `not-translatable` before the translator runs, `wasla schemas check` exercises both
 * sides of the line, and the contract set is refused when an agreement pins a recipient to a major
 * it could only reach through such a translator without a condition that the pointer exists.
 */
export interface Translator {
  type: string;
  from: number;
  to: number;
  /** JSON pointers (no wildcards) the input must carry for the translation to exist; default none */
  requires?: readonly string[];
  translate(data: unknown): unknown;
}

export interface TranslatorRegistry {
  find(type: string, from: number, to: number): Translator | undefined;
  all(): readonly Translator[];
}

const WILDCARD_FREE_POINTER = /^(\/([^~/*]|~[01])*)+$/;

export function createTranslatorRegistry(list: readonly Translator[]): TranslatorRegistry {
  const byKey = new Map<string, Translator>();
  for (const t of list) {
    if (Math.abs(t.from - t.to) !== 1) throw new Error(`translator ${t.type} ${t.from}->${t.to}: translators join adjacent majors`);
    const key = `${t.type}\u0000${t.from}\u0000${t.to}`;
    if (byKey.has(key)) throw new Error(`two translators for ${t.type} ${t.from}->${t.to}`);
    for (const p of t.requires ?? []) {
      if (!WILDCARD_FREE_POINTER.test(p)) throw new Error(`translator ${t.type} ${t.from}->${t.to}: requires "${p}" is not a JSON pointer without wildcards`);
    }
    byKey.set(key, t);
  }
  return {
    find: (type, from, to) => byKey.get(`${type}\u0000${from}\u0000${to}`),
    all: () => [...byKey.values()],
  };
}
