/** A payload vault for tests that store messages without a hub (issue 26): one fixed, non-secret test key. */
import { parsePayloadKeys } from '../../src/record/payload-keys.js';
import type { PayloadVault } from '../../src/store/index.js';

export const TEST_VAULT: PayloadVault = {
  keyring: parsePayloadKeys(`test-k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff)).toString('base64')}`, 'TEST_VAULT'),
  policy: 'classified',
};
