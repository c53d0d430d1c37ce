/**
 * `npx tsx bench/wakeup-cost.ts`: what a request costs this machine at a few rates, without Wasla.
 *
 * One process signs a 1 KiB body with P-256 and POSTs it over keep-alive HTTP to its own server on
 * 127.0.0.1, paced at 100 and 500 requests/s, then as fast as 32 in flight allow. Read the hub's
 * open-loop figures against it: when CPU time per request here is several times higher at a low
 * rate than flat out, the cost of waking up (timers, the event loop, the scheduler, a virtual
 * machine's idle exits, cold caches) dominates at low rates, for any program, not only the hub.
 *
 * Then the same question without any I/O, to tell the two parts of that cost apart: a timer alone
 * paced at each rate (the price of one wake-up), and a fixed piece of CPU work (parse and serialise
 * 1 KiB of JSON, SHA-256 it, sign it with P-256) paced at each rate against back to back. When the
 * paced work costs several times its back-to-back price even after the wake-up is taken off, the
 * machine runs the same instructions slower when its cores idle in between (caches, predictors and
 * clock lost to the idle time) — no batching or fewer round trips can win that back.
 * Bounded: about 60 s in all, 127.0.0.1 only.
 */
import { createHash, createSign, generateKeyPairSync, sign } from 'node:crypto';
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

const json = JSON.stringify({ text: 'a'.repeat(900), list: [1, 2, 3], nested: { key: 'value' } });
/** a fixed piece of CPU work, no I/O: what a request's own handling looks like, in small */
function work(): void {
  const parsed = JSON.parse(json) as { list: number[] };
  parsed.list.push(4);
  const text = JSON.stringify(parsed);
  createHash('sha256').update(text).digest('base64');
  sign('sha256', Buffer.from(text), privateKey);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU µs per call of `fn`, called `rate` times a second for `seconds` (each call its own timer wake-up) */
async function paced(fn: () => void, rate: number, seconds: number): Promise<number> {
  const n = rate * seconds;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    fn();
  }
  return ((cpuMs() - c0) * 1000) / n;
}

function backToBack(n: number): number {
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) work();
  return ((cpuMs() - c0) * 1000) / n;
}

console.log(`sign (P-256) + POST 1 KiB + answer, client and server in one process, Node ${process.version}`);
await run(100, 8);
await run(200, 8);
await run(500, 8);
await run(0, 5);
await run(100, 8);
server.close();
agent.destroy();

console.log('the same machine without I/O: a timer alone, and a fixed piece of CPU work (JSON, SHA-256, P-256 sign)');
backToBack(2000); // warm the JIT first
const flat = backToBack(5000);
console.log(`${'back to back'.padEnd(24)} work ${flat.toFixed(0)} µs`);
for (const rate of [100, 200, 500]) {
  const wake = await paced(() => {}, rate, 4);
  const both = await paced(work, rate, 4);
  console.log(
    `${`${rate}/s`.padEnd(24)} wake-up ${wake.toFixed(0)} µs, wake-up + work ${both.toFixed(0)} µs: the work ${(both - wake).toFixed(0)} µs, ${((both - wake) / flat).toFixed(1)} x back to back`,
  );
}
