import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by where
 * the code lives (our src, a package, Node internals, idle, GC). Only the main thread is
 * sampled: zstd's worker threads and the PostgreSQL server do not appear here.
 *
 *   npx tsx bench/cpuprofile.ts FILE.cpuprofile [top] [from-seconds to-seconds]
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly seconds: number;
  readonly byArea: readonly { readonly area: string; readonly seconds: number; readonly share: number }[];
  readonly byFunction: readonly { readonly fn: string; readonly area: string; readonly seconds: number; readonly share: number }[];
}

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/(?:dist|src)\/(.+?)\.[jt]s$/.exec(url);
  if (own) return `repatriate:${own[1]!.split('/')[0]}`;
  return url;
}

/** Seconds since the profile started; a window keeps only the samples taken inside it. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

export function summarise(profile: Profile, top = 20, window?: Window): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at / 1e6 < window.from || at / 1e6 >= window.to)) return;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const fns = new Map<string, { area: string; micros: number }>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + micros);
    const key = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    const entry = fns.get(key) ?? { area: a, micros: 0 };
    entry.micros += micros;
    fns.set(key, entry);
  }
  const share = (micros: number): number => Math.round((micros / Math.max(total, 1)) * 1000) / 10;
  return {
    seconds: total / 1e6,
    byArea: [...areas].sort((a, b) => b[1] - a[1]).map(([a, micros]) => ({ area: a, seconds: Math.round(micros / 1e4) / 100, share: share(micros) })),
    byFunction: [...fns]
      .sort((a, b) => b[1].micros - a[1].micros)
      .slice(0, top)
      .map(([fn, e]) => ({ fn, area: e.area, seconds: Math.round(e.micros / 1e4) / 100, share: share(e.micros) })),
  };
}

export async function readProfile(file: string): Promise<Profile> {
  return JSON.parse(await readFile(file, 'utf8')) as Profile;
}

export async function summariseFile(file: string, top = 20, window?: Window): Promise<ProfileSummary> {
  return summarise(await readProfile(file), top, window);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/cpuprofile.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  const [from, to] = [process.argv[4], process.argv[5]];
  const summary = await summariseFile(file, Number(process.argv[3] ?? 25), from !== undefined && to !== undefined ? { from: Number(from), to: Number(to) } : undefined);
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}
