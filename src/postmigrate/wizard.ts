import { RepatriateError } from '../core/errors.js';
import { truthy } from './db.js';
import type { Installation } from './installation.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P2, the intranet wizard: the access groups every installation needs, and at least one active
 * administrator in the administrators group. Detection and repair share one list of findings, so
 * a repair fixes exactly what status shows and a second run finds nothing to do.
 */
const requiredGroups: readonly { readonly code: string; readonly name: string; readonly sort: number }[] = [
  { code: 'ADMIN', name: 'Administrators', sort: 100 },
  { code: 'EMPLOYEES', name: 'Employees', sort: 200 },
];

export type WizardFinding =
  | { readonly kind: 'groupMissing'; readonly group: string }
  | { readonly kind: 'groupInactive'; readonly group: string }
  | { readonly kind: 'noAdministrator'; readonly candidate: { readonly userId: number; readonly login: string } | null }
  | { readonly kind: 'administratorNotEmployee'; readonly userId: number; readonly login: string };

function describe(f: WizardFinding): string {
  switch (f.kind) {
    case 'groupMissing': return `the ${f.group} group is missing`;
    case 'groupInactive': return `the ${f.group} group is deactivated`;
    case 'noAdministrator': return f.candidate ? `no active user is in the ADMIN group (the account owner is ${f.candidate.login})` : 'no active user is in the ADMIN group';
    case 'administratorNotEmployee': return `administrator ${f.login} is not in the EMPLOYEES group`;
  }
}

/** The active people who are in the ADMIN group, and whose membership has not ended. */
async function administrators(inst: Installation, now: string): Promise<{ userId: number; login: string }[]> {
  const rows = await inst.db.query<{ id: unknown; login: string; date_active_to: unknown }>(
    `SELECT u.id, u.login, ug.date_active_to FROM b_user u JOIN b_user_group ug ON ug.user_id = u.id JOIN b_group g ON g.id = ug.group_id
     WHERE g.string_id = 'ADMIN' AND g.active = TRUE AND u.active = TRUE AND u.external_auth_id IS NULL ORDER BY u.id`,
  );
  return rows.filter((r) => r.date_active_to === null || new Date(String(r.date_active_to)).toISOString() > now).map((r) => ({ userId: Number(r.id), login: r.login }));
}

/** Who becomes administrator when none is left: the given login, else the earliest active person (the account owner). */
async function ownerCandidate(inst: Installation, login?: string): Promise<{ userId: number; login: string } | null> {
  const row = login
    ? await inst.db.one<{ id: unknown; login: string }>('SELECT id, login FROM b_user WHERE login = ? AND active = TRUE AND external_auth_id IS NULL', [login])
    : await inst.db.one<{ id: unknown; login: string }>("SELECT id, login FROM b_user WHERE active = TRUE AND external_auth_id IS NULL AND confirm_code IS NULL AND NOT EXISTS (SELECT 1 FROM b_user_group ug JOIN b_group g ON g.id = ug.group_id WHERE ug.user_id = b_user.id AND g.string_id = 'EXTRANET') ORDER BY id LIMIT 1");
  if (!row && login) throw new RepatriateError('REPAT_ONPREM_TASK_UNKNOWN', `no active user with the login ${login}`, { hint: 'name an active employee to become administrator' });
  return row ? { userId: Number(row.id), login: row.login } : null;
}

export async function wizardFindings(inst: Installation, adminLogin?: string): Promise<WizardFinding[]> {
  const findings: WizardFinding[] = [];
  for (const group of requiredGroups) {
    const row = await inst.db.one<{ active: unknown }>('SELECT active FROM b_group WHERE string_id = ?', [group.code]);
    if (!row) findings.push({ kind: 'groupMissing', group: group.code });
    else if (!truthy(row.active)) findings.push({ kind: 'groupInactive', group: group.code });
  }
  const now = inst.clock().toISOString();
  const admins = await administrators(inst, now);
  if (admins.length === 0 || adminLogin) {
    const candidate = await ownerCandidate(inst, adminLogin);
    if (admins.length === 0 || (candidate && !admins.some((a) => a.userId === candidate.userId))) findings.push({ kind: 'noAdministrator', candidate });
  }
  for (const admin of admins) {
    const employee = await inst.db.count(
      "SELECT count(*) AS n FROM b_user_group ug JOIN b_group g ON g.id = ug.group_id WHERE ug.user_id = ? AND g.string_id = 'EMPLOYEES'",
      [admin.userId],
    );
    if (employee === 0) findings.push({ kind: 'administratorNotEmployee', ...admin });
  }
  return findings;
}

export async function wizardStatus(inst: Installation): Promise<TaskStatus> {
  const findings = await wizardFindings(inst);
  if (findings.length === 0) {
    const admins = await administrators(inst, inst.clock().toISOString());
    return status('P2', 'done', `access groups are in place; administrators: ${admins.map((a) => a.login).join(', ')}`, { administrators: admins });
  }
  return status('P2', 'todo', `${findings.map(describe).join('; ')}: run the intranet wizard`, { findings });
}

export interface WizardReport {
  readonly repaired: readonly string[];
  readonly administrators: readonly { readonly userId: number; readonly login: string }[];
}

/** Repairs what wizardFindings reports; with nothing found it changes nothing. */
export async function runWizard(inst: Installation, options: { adminLogin?: string } = {}): Promise<WizardReport> {
  const findings = await wizardFindings(inst, options.adminLogin);
  const repaired: string[] = [];
  const groupId = async (code: string): Promise<number> => Number((await inst.db.one<{ id: unknown }>('SELECT id FROM b_group WHERE string_id = ?', [code]))!.id);
  const addMember = async (userId: number, code: string): Promise<void> => {
    const gid = await groupId(code);
    const existing = await inst.db.count('SELECT count(*) AS n FROM b_user_group WHERE user_id = ? AND group_id = ?', [userId, gid]);
    if (existing > 0) await inst.db.query('UPDATE b_user_group SET date_active_from = NULL, date_active_to = NULL WHERE user_id = ? AND group_id = ?', [userId, gid]);
    else await inst.db.query('INSERT INTO b_user_group (user_id, group_id) VALUES (?, ?)', [userId, gid]);
  };
  for (const finding of findings) {
    if (finding.kind === 'groupMissing') {
      const group = requiredGroups.find((g) => g.code === finding.group)!;
      await inst.db.query('INSERT INTO b_group (string_id, name, active, c_sort, anonymous) VALUES (?, ?, TRUE, ?, FALSE)', [group.code, group.name, group.sort]);
    } else if (finding.kind === 'groupInactive') {
      await inst.db.query('UPDATE b_group SET active = TRUE WHERE string_id = ?', [finding.group]);
    } else if (finding.kind === 'noAdministrator') {
      if (!finding.candidate) throw new RepatriateError('REPAT_ONPREM_BLOCKED', 'no active employee is left who could become administrator', { hint: 'activate a user first, then run the wizard with --admin LOGIN' });
      await addMember(finding.candidate.userId, 'ADMIN');
      await addMember(finding.candidate.userId, 'EMPLOYEES');
    } else {
      await addMember(finding.userId, 'EMPLOYEES');
    }
    repaired.push(describe(finding));
  }
  return { repaired, administrators: await administrators(inst, inst.clock().toISOString()) };
}
