/**
 * Who is calling. An Authenticator turns a request into the institution it speaks for; identity
 * never comes from the message body. The spine ships one that reads `Wasla-Sender` without any
 * proof — used only when WASLA_INSECURE_ALLOW_UNSIGNED
 * says so out loud. Signed requests (RFC 9421) replace it.
 */
import { AuthenticationError } from '../errors.js';
import type { Contracts } from '../routing/types.js';
import type { Principal } from '../services/index.js';

export type { Principal };

export interface RequestFacts {
  method: string;
  url: string;
  headers: Headers;
  body: Buffer;
}

export type Authenticator = (req: RequestFacts) => Promise<Principal>;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function unsignedAuthenticator(contracts: () => Contracts, credential: string): Authenticator {
  return async (req) => {
    const sender = req.headers.get('wasla-sender');
    if (!sender) throw new AuthenticationError('sender-missing', 'unsigned intake needs a Wasla-Sender header naming your institution');
    if (!contracts().institution(sender)) throw new AuthenticationError('sender-unknown', `"${sender}" is not an institution of this federation`);
    return { institution: sender, credential };
  };
}
