import { z } from 'zod';

/**
 * The migration manifest: what a product declares once about its multi-tenant database so an
 * account can be moved out of it. Every table and every column is classified; anything the
 * manifest does not name stops the build (fail closed).
 */
export const taskId = z.enum(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P10', 'P11', 'R5']);
export type TaskId = z.infer<typeof taskId>;

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier');
const targetColumn = z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'table.column of the on-premise structure');

/**
 * - `copy`: the value moves unchanged into the column of the same name.
 * - `tenant`: the account column; the on-premise installation has one account, so it is dropped.
 * - `secret`: never leaves the cloud; the on-premise column gets an empty value, a task repairs it.
 * - `derived`: not moved, rebuilt after the restore by a task.
 * - `to`: transform into other on-premise columns (a rename, or a split into another table).
 */
export const columnPolicy = z.union([
  z.literal('copy'),
  z.literal('tenant'),
  z.strictObject({ secret: taskId }),
  z.strictObject({ derived: taskId }),
  z.strictObject({ to: z.array(targetColumn).min(1) }),
]);
export type ColumnPolicy = z.infer<typeof columnPolicy>;

export const boundary = z.union([
  z.strictObject({ column: identifier }),
  z.strictObject({ via: z.strictObject({ column: identifier, table: identifier, refColumn: identifier }) }),
]);
export type Boundary = z.infer<typeof boundary>;

const accountTable = z.strictObject({
  kind: z.literal('account'),
  boundary,
  columns: z.record(identifier, columnPolicy),
});

const globalTable = z.strictObject({
  kind: z.literal('global'),
  reason: z.string().min(1),
  columns: z.record(identifier, columnPolicy),
});

const excludedTable = z.strictObject({
  kind: z.literal('excluded'),
  /** How to count the account's rows for the exclusion ledger; absent for tables of no account. */
  boundary: boundary.optional(),
  reason: z.string().min(1),
  task: taskId,
  /**
   * Columns that name each of the account's rows in the ledger, so the task that repairs the
   * table can act on each (P11: which apps to reinstall). Never a secret column.
   */
  listed: z.strictObject({ code: identifier, name: identifier }).optional(),
  /**
   * `estimate`: the ledger scales the account's rows of the boundary's parent table by the two
   * tables' sizes (the database's statistics) instead of counting. For a `via` boundary whose
   * exact count would read every account's rows (the search index's stems: 12 s of a build's
   * disk reads once the neighbours tripled), while the table is rebuilt after the restore anyway.
   */
  count: z.enum(['exact', 'estimate']).optional(),
});

const cloudOnlyTable = z.strictObject({
  kind: z.literal('cloudOnly'),
  reason: z.string().min(1),
});

export const tablePolicy = z.discriminatedUnion('kind', [accountTable, globalTable, excludedTable, cloudOnlyTable]);
export type TablePolicy = z.infer<typeof tablePolicy>;

export const manifestSchema = z.strictObject({
  format: z.literal(1),
  product: z.string().min(1),
  /** The on-premise release whose structure the archive holds. */
  targetRelease: z.string().min(1),
  registry: z.strictObject({
    table: identifier,
    id: identifier,
    address: identifier,
    status: identifier,
  }),
  /** The product's rule for counting users (M4): a query with $1 = account id returning (kind, users). */
  users: z.strictObject({
    query: z.string().min(1),
    active: z.array(z.string()).min(1),
  }),
  /** Module versions the account runs: a query returning (module, version). */
  modules: z.strictObject({ query: z.string().min(1) }),
  tables: z.record(identifier, tablePolicy),
});
export type Manifest = z.infer<typeof manifestSchema>;
