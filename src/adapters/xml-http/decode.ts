/** xml-http, the answer: the same outcome rules as every HTTP adapter (outcome.ts); the body is only an excerpt in the reason. */
import type { Outcome, TransportResponse } from '../types.js';
import { httpOutcome } from '../outcome.js';

export function decodeXmlAnswer(res: TransportResponse): Outcome {
  return httpOutcome(res);
}
