/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per file or
 * package, idle time left out. Used by bench/run.ts --profile, and on its own:
 *   npx tsx bench/profile-summary.ts <file.cpuprofile | directory> [top]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Cost {
  name: string;
  selfMs: number;
  pct: number;
}
export interface ProfileSummary {
  file: string;
  /** when only part of the profile was summarised: its length in ms */
  windowMs?: number;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  functions: Cost[];
  files: Cost[];
  packages: Cost[];
  /** packages again, with native and node-internal time charged to the nearest calling package or src folder */
  packagesCharged: Cost[];
}

const ROOT = process.cwd() + '/';

function where(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) return path.slice(ROOT.length);
  // a hub exported by --hub-ref lives in a temporary directory: name its files from src/
  const src = path.indexOf('/hub-src/');
  return src >= 0 ? path.slice(src + 9) : path;
}

/** `node_modules/pg/lib/x.js` -> `pg`; `src/intake/accept.ts` -> `src/intake`; `node:internal/...` -> `node:internal` */
function packageOf(file: string): string {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 13).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.startsWith('node:')) return file.split('/')[0];
  if (file.startsWith('src/') || file.startsWith('bench/')) return file.split('/').slice(0, 2).join('/');
  return file;
}

function top(map: Map<string, number>, busy: number, n: number): Cost[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: us / 1000, pct: (100 * us) / busy }));
}

/**
 * A window, in µs before the profile's end (its process's exit): only samples taken inside it
 * count, e.g. the measured phase without start-up and shutdown.
 */
export interface Window {
  fromEndUs: number;
  toEndUs: number;
}

export function summarizeProfile(file: string, n = 25, window?: Window): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parentOf = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parentOf.set(c, x.id);
  /** the package of the nearest frame above `id` (itself included) that is in a package or src/ */
  const owner = (id: number): string => {
    for (let cur: number | undefined = id, i = 0; cur !== undefined && i < 64; cur = parentOf.get(cur), i++) {
      const pkg = packageOf(where(byId.get(cur)!.callFrame.url));
      if (!pkg.startsWith('node:') && pkg !== '(native)') return pkg;
    }
    return packageOf(where(byId.get(id)!.callFrame.url));
  };
  const self = new Map<number, number>();
  const from = window ? p.endTime - window.fromEndUs : -Infinity;
  const to = window ? p.endTime - window.toEndUs : Infinity;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  const pkgs = new Map<string, number>();
  const charged = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (cf.functionName === '(garbage collector)') gc += us;
    const f = where(cf.url);
    const fn = `${cf.functionName || '(anonymous)'} ${f}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(f, (files.get(f) ?? 0) + us);
    pkgs.set(packageOf(f), (pkgs.get(packageOf(f)) ?? 0) + us);
    const o = cf.functionName === '(garbage collector)' || cf.functionName === '(program)' ? cf.functionName : owner(id);
    charged.set(o, (charged.get(o) ?? 0) + us);
  }
  const busy = total - idle;
  return {
    file,
    wallMs: (Math.min(to, p.endTime) - Math.max(from, p.startTime)) / 1000,
    ...(window ? { windowMs: (window.fromEndUs - window.toEndUs) / 1000 } : {}),
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    functions: top(fns, busy, n),
    files: top(files, busy, n),
    packages: top(pkgs, busy, n),
    packagesCharged: top(charged, busy, n),
  };
}

/** the busiest profile in a directory: the main thread's (tsx's loader thread writes one too) */
export function mainThreadProfile(dir: string, n = 25, window?: Window): ProfileSummary | undefined {
  if (!existsSync(dir)) return undefined;
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarizeProfile(join(dir, f), n, window));
  return all.sort((a, b) => b.busyMs - a.busyMs)[0];
}

export function formatSummary(s: ProfileSummary, n = 15): string {
  const rows = (title: string, list: Cost[]) => [`  ${title}`, ...list.slice(0, n).map((c) => `    ${c.pct.toFixed(1).padStart(5)}%  ${c.selfMs.toFixed(0).padStart(7)} ms  ${c.name}`)].join('\n');
  return [
    `${s.file}: busy ${s.busyMs.toFixed(0)} ms of ${s.wallMs.toFixed(0)} ms wall${s.windowMs ? ' (the measured phase and its drain only)' : ''} (GC ${s.gcMs.toFixed(0)} ms)`,
    rows('self time by package / src folder, native and node: time charged to the calling package', s.packagesCharged),
    rows('self time by package / src folder', s.packages),
    rows('self time by file', s.files),
    rows('self time by function', s.functions),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile or directory> [top]\n');
    process.exit(2);
  }
  const top = Number(n ?? 25);
  const summary = file.endsWith('.cpuprofile') ? summarizeProfile(file, top) : mainThreadProfile(file, top);
  if (!summary) throw new Error(`no .cpuprofile in ${file}`);
  process.stdout.write(formatSummary(summary, top) + '\n');
}
