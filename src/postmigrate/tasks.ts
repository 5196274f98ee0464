/**
 * The checklist of DESIGN §7: every task after a restore, by its requirement ID. Each task
 * checks itself against the installation's real data; `state` is never stored, only computed.
 */
export const taskIds = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'R5', 'P10', 'P11'] as const;
export type TaskId = (typeof taskIds)[number];

export const taskTitles: Readonly<Record<TaskId, string>> = {
  P1: 'users set new passwords',
  P2: 'administrators and access groups (intranet wizard)',
  P3: 'search index rebuilt',
  P4: 'pending module updates applied',
  P5: 'public address in imconnector, imopenlines, imbot',
  P6: 'external channels reconnected',
  P7: 'push server configured',
  P8: 'sites, stores and forms republished',
  P9: 'outgoing mail through your own SMTP server',
  R5: 'trusted TLS certificate',
  P10: 'telephony transfer request',
  P11: 'marketplace apps reinstalled',
};

export type TaskState = 'todo' | 'done' | 'blocked';

export interface TaskStatus {
  readonly id: TaskId;
  readonly title: string;
  readonly state: TaskState;
  /** Why the task is in this state, in one sentence a person can act on. */
  readonly why: string;
  /** What the task found, for the UI and scripts (never a secret). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function status(id: TaskId, state: TaskState, why: string, details?: Record<string, unknown>): TaskStatus {
  return { id, title: taskTitles[id], state, why, ...(details ? { details } : {}) };
}

export function isTaskId(value: string): value is TaskId {
  return (taskIds as readonly string[]).includes(value.toUpperCase());
}
