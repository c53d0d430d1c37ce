/**
 * The classes a message can carry (invariant 6). `public` and `restricted` need no clearance:
 * need-to-know for them is the agreement itself; `juvenile` and `gbv` (gender-based violence) go
 * only to recipients cleared for them. The hub may raise a sender's class, never lower it.
 */
export const CLASSIFICATIONS = ['public', 'restricted', 'juvenile', 'gbv'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** the classes a recipient must be cleared for */
export const CLEARANCES = ['juvenile', 'gbv'] as const;
export type Clearance = (typeof CLEARANCES)[number];

export function isClassification(c: unknown): c is Classification {
  return typeof c === 'string' && (CLASSIFICATIONS as readonly string[]).includes(c);
}

export function isClearance(c: unknown): c is Clearance {
  return typeof c === 'string' && (CLEARANCES as readonly string[]).includes(c);
}

/** how protective each class is: a message's class is only ever raised along this order */
export const CLASSIFICATION_RANK: Readonly<Record<Classification, number>> = { public: 0, restricted: 1, gbv: 2, juvenile: 2 };
