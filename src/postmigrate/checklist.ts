import { addressStatus } from './address.js';
import { appsStatus } from './apps.js';
import { channelsStatus } from './channels.js';
import type { Installation } from './installation.js';
import { mailStatus } from './mail.js';
import { passwordStatus } from './passwords.js';
import { pushStatus } from './push.js';
import { searchStatus } from './search.js';
import { sitesStatus } from './sites.js';
import { taskIds, type TaskId, type TaskStatus } from './tasks.js';
import { telephonyStatus } from './telephony.js';
import { tlsStatus, type TlsTrust } from './tls.js';
import { updatesStatus } from './updates.js';
import { wizardStatus } from './wizard.js';

/** Every task's self-check, in checklist order. */
export interface ChecklistOptions {
  readonly trust?: TlsTrust;
}

export function taskStatus(inst: Installation, id: TaskId, options: ChecklistOptions = {}): Promise<TaskStatus> {
  switch (id) {
    case 'P1': return passwordStatus(inst);
    case 'P2': return wizardStatus(inst);
    case 'P3': return searchStatus(inst);
    case 'P4': return updatesStatus(inst);
    case 'P5': return addressStatus(inst);
    case 'P6': return channelsStatus(inst);
    case 'P7': return pushStatus(inst);
    case 'P8': return sitesStatus(inst);
    case 'P9': return mailStatus(inst);
    case 'R5': return tlsStatus(inst, options.trust);
    case 'P10': return telephonyStatus(inst, options.trust);
    case 'P11': return appsStatus(inst);
  }
}

export interface Checklist {
  readonly installation: { readonly account: string; readonly database: string; readonly dataDir: string; readonly restoreComplete: boolean };
  readonly tasks: readonly TaskStatus[];
  readonly done: number;
}

export async function checklist(inst: Installation, options: ChecklistOptions = {}): Promise<Checklist> {
  const tasks: TaskStatus[] = [];
  for (const id of taskIds) tasks.push(await taskStatus(inst, id, options));
  return {
    installation: { account: inst.header.account.address, database: inst.description, dataDir: inst.dataDir, restoreComplete: inst.restoreComplete },
    tasks,
    done: tasks.filter((t) => t.state === 'done').length,
  };
}
