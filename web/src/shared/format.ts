/** Numbers and dates as people read them; one place so every page says them alike. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function count(n: number): string {
  return n.toLocaleString('en');
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** An ISO time as "2026-12-10 09:15 UTC": the desk's clock is UTC, so is what it shows. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Whole days left until `iso` from `now` (rounded up: "1 day" until the last hour). */
export function daysLeft(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 86_400_000));
}

export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function price(cents: number, currency: string): string {
  return `${currency === 'EUR' ? '€' : `${currency} `}${(cents / 100).toFixed(2)}`;
}

/** Tomorrow as YYYY-MM-DD: the earliest date a migration can be asked for (M7). */
export function tomorrow(now = Date.now()): string {
  return new Date(now + 86_400_000).toISOString().slice(0, 10);
}
