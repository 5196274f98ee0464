import { Random } from '../../core/random.js';
import type { TenantPlan } from './plan.js';
import { TextMaker } from './text.js';

/** A growable list of integers in a typed array: 4 bytes per id instead of a boxed number. */
class IntList {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The generator's memory of what it has made so far: ids per table and account, so later
 * tables can reference earlier rows of the same account. Ids are global across accounts, as
 * in any shared table, and kept unchanged by a migration. Only tables that later rows refer
 * to are tracked, so memory grows with the referenced tables, not with the largest ones.
 */
export class IdRegistry {
  private next = 1;
  private readonly perTenant: IntList[];
  private readonly owners = new IntList();

  constructor(
    readonly table: string,
    tenants: number,
    readonly tracked: boolean,
  ) {
    this.perTenant = Array.from({ length: tenants }, () => new IntList());
  }

  take(tenant: number): number {
    const id = this.next++;
    if (this.tracked) {
      this.perTenant[tenant]!.push(id);
      this.owners.push(tenant);
    }
    return id;
  }

  count(): number {
    return this.next - 1;
  }

  /** Ids handed out to one account, oldest first. */
  ofTenant(tenant: number): Int32Array {
    this.mustTrack();
    return this.perTenant[tenant]!.view();
  }

  /** The account (index) of an id this registry handed out. */
  tenantOf(id: number): number {
    this.mustTrack();
    return this.owners.view()[id - 1]!;
  }

  private mustTrack(): void {
    if (!this.tracked) throw new Error(`the generator does not track ids of ${this.table}; add it to the referenced tables`);
  }
}

export type UserKind = 'employee' | 'extranet' | 'invited' | 'deactivated' | 'bot' | 'system' | 'connector';

export interface TenantUsers {
  admin: number;
  all: number[];
  /** Active employees: the people work is assigned to. */
  staff: number[];
  byKind: Map<UserKind, number[]>;
}

export class World {
  readonly ids = new Map<string, IdRegistry>();
  readonly users: TenantUsers[];
  readonly groups: Map<string, number>[];
  readonly imageFiles: number[][];
  /** userKind[id - 1]: what kind of user a b_user row is. */
  readonly userKind: UserKind[] = [];

  constructor(
    readonly seed: number,
    readonly tenants: readonly TenantPlan[],
    /** Tables whose ids later rows refer to. */
    private readonly referenced: ReadonlySet<string>,
  ) {
    this.users = tenants.map(() => ({ admin: 0, all: [], staff: [], byKind: new Map() }));
    this.groups = tenants.map(() => new Map());
    this.imageFiles = tenants.map(() => []);
  }

  registry(table: string): IdRegistry {
    let registry = this.ids.get(table);
    if (!registry) {
      registry = new IdRegistry(table, this.tenants.length, this.referenced.has(table));
      this.ids.set(table, registry);
    }
    return registry;
  }

  /** Ids of one table that belong to one account. */
  idsOf(table: string, tenant: number): Int32Array {
    return this.registry(table).ofTenant(tenant);
  }

  random(label: string): Random {
    return new Random(this.seed, label);
  }

  text(label: string): TextMaker {
    return new TextMaker(this.random(`${label}:text`));
  }
}

/**
 * Tenant indexes in the order rows are created: every account's rows spread over the whole
 * table, as after years of concurrent use, never one account per block.
 */
export function* interleave(counts: readonly number[], rng: Random): Generator<number> {
  const remaining = [...counts];
  let left = remaining.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let pick = Math.floor(rng.float() * left);
    let tenant = 0;
    while (pick >= remaining[tenant]!) pick -= remaining[tenant++]!;
    remaining[tenant]!--;
    left--;
    yield tenant;
  }
}

const epochStart = Date.UTC(2019, 0, 1);
const epochEnd = Date.UTC(2026, 9, 31, 23, 0, 0);

/** A point in the account's history: `progress` 0..1 through a table's creation, jittered. */
export function historyTime(progress: number, rng: Random): number {
  const span = epochEnd - epochStart;
  const jitter = (rng.float() - 0.5) * span * 0.02;
  return Math.min(epochEnd, Math.max(epochStart, epochStart + progress * span + jitter));
}

/** timestamptz in COPY text, to the microsecond. */
export function timestamptzText(ms: number, micros: number): string {
  return `${timestampText(ms, micros)}+00`;
}

export function timestampText(ms: number, micros: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros % 1000).padStart(3, '0')}`;
}

export function dateText(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().slice(0, 10);
}
