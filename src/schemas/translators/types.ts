/**
 * A translator turns a payload of one major of a message type into the adjacent major. The hub
 * chains them one major at a time. Contract: `translate` is pure (never mutates its input), accepts
 * any document valid against ANY minor of `from`, and returns a document valid against the LATEST
 * minor of `to` (which, since minors only add optional fields, is valid for every later minor too).
 */
export interface Translator {
  type: string;
  from: number;
  to: number;
  translate(data: unknown): unknown;
}

export interface TranslatorRegistry {
  find(type: string, from: number, to: number): Translator | undefined;
  all(): readonly Translator[];
}

export function createTranslatorRegistry(list: readonly Translator[]): TranslatorRegistry {
  const byKey = new Map<string, Translator>();
  for (const t of list) {
    if (Math.abs(t.from - t.to) !== 1) throw new Error(`translator ${t.type} ${t.from}->${t.to}: translators join adjacent majors`);
    const key = `${t.type}\u0000${t.from}\u0000${t.to}`;
    if (byKey.has(key)) throw new Error(`two translators for ${t.type} ${t.from}->${t.to}`);
    byKey.set(key, t);
  }
  return {
    find: (type, from, to) => byKey.get(`${type}\u0000${from}\u0000${to}`),
    all: () => [...byKey.values()],
  };
}
