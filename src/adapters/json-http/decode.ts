/** json-http, the answer: the outcome rules every HTTP adapter shares (outcome.ts). */
import type { Outcome, TransportResponse } from '../types.js';
import { httpOutcome } from '../outcome.js';

export function decodeJsonAnswer(res: TransportResponse): Outcome {
  return httpOutcome(res);
}
