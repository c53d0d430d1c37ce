/**
 * `npx tsx bench/wakeup-cost.ts`: what a request costs this machine at a few rates, without Wasla.
 *
 * One process signs a 1 KiB body with P-256 and POSTs it over keep-alive HTTP to its own server on
 * 127.0.0.1, paced at 100 and 500 requests/s, then as fast as 32 in flight allow. Read the hub's
 * open-loop figures against it: when CPU time per request here is several times higher at a low
 * rate than flat out, the cost of waking up (timers, the event loop, the scheduler, a virtual
 * machine's idle exits, cold caches) dominates at low rates, for any program, not only the hub.
 * Bounded: about 30 s in all, 127.0.0.1 only.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const body = Buffer.alloc(1024, 'a');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(): Promise<void> {
  createSign('sha256').update(body).sign(privateKey);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** rate 0: closed loop, 32 in flight */
async function run(rate: number, seconds: number): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  if (rate === 0) {
    const end = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < end) {
          await request();
          n++;
        }
      }),
    );
  } else {
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < rate * seconds; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      sent.push(request().then(() => void n++));
    }
    await Promise.all(sent);
  }
  const cpu = process.cpuUsage(cpu0);
  const perRequestUs = (cpu.user + cpu.system) / n;
  const label = rate === 0 ? 'flat out (32 in flight)' : `${rate} requests/s`;
  console.log(`${label.padEnd(24)} ${String(n).padStart(6)} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${perRequestUs.toFixed(0)} µs of CPU a request`);
}

console.log(`sign (P-256) + POST 1 KiB + answer, client and server in one process, Node ${process.version}`);
await run(100, 8);
await run(500, 8);
await run(0, 5);
await run(100, 8);
server.close();
agent.destroy();
