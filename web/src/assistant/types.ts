/** The shapes the assistant's API answers with (src/postmigrate, docs/onprem-assistant.md). */
export type TaskState = 'todo' | 'done' | 'blocked';

export interface TaskStatus {
  readonly id: string;
  readonly title: string;
  readonly state: TaskState;
  readonly why: string;
  readonly details?: Record<string, unknown>;
}

export interface Checklist {
  readonly installation: { readonly account: string; readonly database: string; readonly dataDir: string; readonly restoreComplete: boolean };
  readonly tasks: readonly TaskStatus[];
  readonly done: number;
}

/** What every task panel gets: its status and a way to have the checklist look again. */
export interface PanelProps {
  readonly task: TaskStatus;
  readonly refresh: () => void;
}

export function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
