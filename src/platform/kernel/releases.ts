import type { Column, Table } from '../../core/schema.js';
import { bool, int64, timestamptz, varchar } from '../../core/schema.js';
import { baseRelease } from '../schema/onprem.js';

/**
 * Kernel releases of the on-premise product and the update feed after the base release.
 * Updates are engine-neutral steps, so the on-premise assistant (P4) can apply them to any
 * engine the account was restored into.
 */
export type ModuleVersions = Readonly<Record<string, string>>;

export const baseModuleVersions: ModuleVersions = {
  main: '24.100.0',
  intranet: '24.50.0',
  crm: '24.200.0',
  tasks: '24.100.0',
  disk: '24.30.0',
  im: '24.100.0',
  imconnector: '24.0.100',
  imopenlines: '24.50.0',
  imbot: '24.0.300',
  pull: '24.10.0',
  landing: '24.100.0',
  voximplant: '24.20.0',
  mail: '24.30.0',
  rest: '24.100.0',
  search: '24.0.100',
};

export type UpdateStep =
  | { readonly op: 'addColumn'; readonly table: string; readonly column: Column }
  | { readonly op: 'createTable'; readonly table: Table }
  | { readonly op: 'createIndex'; readonly table: string; readonly name: string; readonly columns: readonly string[]; readonly unique: boolean }
  | { readonly op: 'setOption'; readonly module: string; readonly name: string; readonly value: string }
  | {
      readonly op: 'updateRows';
      readonly table: string;
      readonly set: Readonly<Record<string, string | number | boolean | null>>;
      readonly where: Readonly<Record<string, string | number | boolean | null>>;
    };

export interface ModuleUpdate {
  readonly module: string;
  readonly from: string;
  readonly to: string;
  readonly description: string;
  readonly steps: readonly UpdateStep[];
}

export interface Release {
  readonly version: string;
  readonly date: string;
  readonly modules: ModuleVersions;
  /** Updates that lead from the previous release to this one; empty for the base release. */
  readonly updates: readonly ModuleUpdate[];
}

const release242Updates: ModuleUpdate[] = [
  {
    module: 'main',
    from: '24.100.0',
    to: '24.200.0',
    description: 'remember when a user was last active',
    steps: [
      { op: 'addColumn', table: 'b_user', column: { name: 'last_activity_date', type: timestamptz(), nullable: true } },
      { op: 'setOption', module: 'main', name: 'update_channel', value: 'stable' },
    ],
  },
  {
    module: 'crm',
    from: '24.200.0',
    to: '24.300.0',
    description: 'recurring deals',
    steps: [
      { op: 'addColumn', table: 'b_crm_deal', column: { name: 'is_recurring', type: bool(), nullable: false, default: { kind: 'literal', value: false } } },
      { op: 'createIndex', table: 'b_crm_deal', name: 'ix_b_crm_deal_stage_id', columns: ['stage_id'], unique: false },
      { op: 'updateRows', table: 'b_crm_deal', set: { stage_id: 'WON' }, where: { stage_id: 'SUCCESS' } },
    ],
  },
];

const release243Updates: ModuleUpdate[] = [
  {
    module: 'tasks',
    from: '24.100.0',
    to: '24.200.0',
    description: 'favourite tasks',
    steps: [
      {
        op: 'createTable',
        table: {
          name: 'b_tasks_favorite',
          module: 'tasks',
          columns: [
            { name: 'task_id', type: int64(), nullable: false },
            { name: 'user_id', type: int64(), nullable: false },
          ],
          primaryKey: ['task_id', 'user_id'],
          indexes: [],
          foreignKeys: [
            { name: 'fk_b_tasks_favorite_task_id', columns: ['task_id'], refTable: 'b_tasks', refColumns: ['id'], onDelete: 'cascade' },
            { name: 'fk_b_tasks_favorite_user_id', columns: ['user_id'], refTable: 'b_user', refColumns: ['id'], onDelete: 'cascade' },
          ],
        },
      },
    ],
  },
  {
    module: 'im',
    from: '24.100.0',
    to: '24.200.0',
    description: 'longer messages and a new default for notifications',
    steps: [
      { op: 'setOption', module: 'im', name: 'max_message_length', value: '20000' },
      { op: 'addColumn', table: 'b_im_chat', column: { name: 'disappearing_time', type: varchar(20), nullable: true } },
    ],
  },
];

function advance(base: ModuleVersions, updates: readonly ModuleUpdate[]): ModuleVersions {
  const next: Record<string, string> = { ...base };
  for (const update of updates) {
    if (next[update.module] !== update.from) throw new Error(`update of ${update.module} expects ${update.from}, release has ${next[update.module]}`);
    next[update.module] = update.to;
  }
  return next;
}

const release241: Release = { version: baseRelease, date: '2024-03-01', modules: baseModuleVersions, updates: [] };
const release242: Release = { version: '24.2', date: '2024-06-15', modules: advance(release241.modules, release242Updates), updates: release242Updates };
const release243: Release = { version: '24.3', date: '2024-10-01', modules: advance(release242.modules, release243Updates), updates: release243Updates };

/** Oldest first. */
export const releases: readonly Release[] = [release241, release242, release243];

/** The release whose module versions equal the given ones: the kernel that matches an archive. */
export function releaseMatching(modules: ModuleVersions): Release | undefined {
  return releases.find((r) => Object.keys(modules).length === Object.keys(r.modules).length && Object.entries(modules).every(([m, v]) => r.modules[m] === v));
}
