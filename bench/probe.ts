/**
 * Does the hub, as started, check intake signatures? One request with a forged signature, a wrong
 * digest, no `Wasla-Sender` and an empty envelope: a hub that checks signatures refuses it as
 * `signature-*` or `digest-*`, one that reads `Wasla-Sender` refuses it as `sender-missing`.
 * Either way nothing is stored.
 */
import http from 'node:http';

export function probeSignatureCheck(baseUrl: string): Promise<string> {
  const body = '{}';
  const headers = {
    'content-type': 'application/cloudevents+json',
    'content-length': String(body.length),
    'content-digest': 'sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:',
    'signature-input': `wasla=("@method" "@target-uri" "content-digest" "content-type");created=${Math.floor(Date.now() / 1000)};keyid="00";alg="ed25519"`,
    signature: 'wasla=:AAAA:',
  };
  return new Promise((resolve) => {
    const req = http.request(new URL('/v1/messages', baseUrl), { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let type = '';
        try {
          type = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string }).type ?? '')
            .split('/')
            .pop()!;
        } catch {
          /* not problem+json */
        }
        if (/^(signature|digest|certificate)-/.test(type)) resolve(`yes (a forged signature is refused: ${type})`);
        else if (type === 'sender-missing') resolve('no (unsigned intake naming its sender in Wasla-Sender is accepted)');
        else resolve(`unknown (HTTP ${res.statusCode} ${type})`);
      });
    });
    req.on('error', (e) => resolve(`unknown (${e.message})`));
    req.end(body);
  });
}
