import type { Installation } from './installation.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P11: marketplace apps do not move (M10): their data, tokens and handlers stay in the cloud.
 * The archive's exclusion ledger names the apps the account had (older ledgers only count them); the installation's own app table shows what has been reinstalled since.
 */
export interface AppEntry {
  readonly code: string | null;
  readonly name: string | null;
  readonly reinstalled: boolean;
}

export async function listApps(inst: Installation): Promise<{ readonly had: number; readonly apps: readonly AppEntry[] }> {
  const ledger = inst.ledger.tables.find((t) => t.table === 'b_rest_app');
  const named = ledger?.listed;
  const installed = await inst.db.query<{ code: string }>('SELECT code FROM b_rest_app WHERE installed = TRUE');
  const codes = new Set(installed.map((r) => r.code));
  if (named) return { had: named.length, apps: named.map((a) => ({ code: a.code, name: a.name, reinstalled: codes.has(a.code) })) };
  // The ledger counts the apps without naming them: each reinstalled app settles one of them.
  const had = ledger?.rows ?? 0;
  return { had, apps: Array.from({ length: had }, (_, i) => ({ code: null, name: null, reinstalled: i < installed.length })) };
}

export async function appsStatus(inst: Installation): Promise<TaskStatus> {
  const { had, apps } = await listApps(inst);
  const open = apps.filter((a) => !a.reinstalled).length;
  if (had === 0) return status('P11', 'done', 'the cloud account had no marketplace apps', { apps });
  if (open === 0) return status('P11', 'done', `all ${had} marketplace apps are reinstalled`, { apps });
  return status('P11', 'todo', `${open} of ${had} marketplace apps the cloud account had are not reinstalled yet (apps never move: reinstall them from the marketplace)`, { apps });
}
