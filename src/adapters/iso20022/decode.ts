/** iso20022, the answer: the same outcome rules as every HTTP adapter (outcome.ts). */
import type { Outcome, TransportResponse } from '../types.js';
import { httpOutcome } from '../outcome.js';

export function decodeBankAnswer(res: TransportResponse): Outcome {
  return httpOutcome(res);
}
