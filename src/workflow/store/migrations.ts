import type { Sql } from './store.js';

/**
 * Versioned migrations of the desk's store. A step is never edited once released: a change
 * is a new step. `schema_migrations` records what ran; each step runs once, in order, in the
 * transaction that opens the store (an advisory lock keeps two processes from racing).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'license registry',
    sql: `
CREATE TABLE licenses (
  id text PRIMARY KEY,
  license_key text NOT NULL UNIQUE,
  kind text NOT NULL,
  edition text NOT NULL,
  seats integer NOT NULL CHECK (seats > 0),
  support_until date NOT NULL,
  issued_at timestamptz NOT NULL,
  activated_at timestamptz,
  installation text,
  registered_at timestamptz,
  registered_owner text,
  registered_email text
)`,
  },
  {
    version: 2,
    name: 'operators and sessions',
    sql: `
CREATE TABLE operators (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE sessions (
  token_sha256 text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('customer', 'operator')),
  operator_id integer REFERENCES operators(id),
  account_url text,
  login text,
  email text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CHECK ((role = 'operator') = (operator_id IS NOT NULL)),
  CHECK ((role = 'customer') = (account_url IS NOT NULL AND login IS NOT NULL))
)`,
  },
  {
    version: 3,
    name: 'requests, orders, messages',
    sql: `
CREATE TABLE orders (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_url text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  currency text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'paid')),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  paid_at timestamptz,
  payment_reference text,
  recorded_by integer REFERENCES operators(id),
  CHECK ((state = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX ix_orders_account ON orders (account_url);
CREATE TABLE requests (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_url text NOT NULL,
  license_id text NOT NULL REFERENCES licenses(id),
  requested_date date NOT NULL,
  final_date date,
  state text NOT NULL,
  free_build boolean NOT NULL,
  order_id integer UNIQUE REFERENCES orders(id),
  terms_version text NOT NULL,
  confirmed_at timestamptz NOT NULL,
  confirmed_by text NOT NULL,
  contact_email text,
  flags jsonb NOT NULL,
  assessment jsonb NOT NULL,
  reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (state = 'rejected' OR free_build = (order_id IS NULL))
);
CREATE INDEX ix_requests_account ON requests (account_url);
CREATE INDEX ix_requests_state ON requests (state);
-- M1: one free build per account, enforced by the database too, so two racing requests cannot both get it.
CREATE UNIQUE INDEX ux_requests_free_build ON requests (account_url) WHERE free_build AND state <> 'rejected';
CREATE TABLE messages (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id integer NOT NULL REFERENCES requests(id),
  author_role text NOT NULL CHECK (author_role IN ('customer', 'operator')),
  author text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX ix_messages_request ON messages (request_id);
CREATE TABLE notifications (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  error text
)`,
  },
  {
    version: 4,
    name: 'append-only audit trail',
    sql: `
CREATE TABLE audit (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  details jsonb NOT NULL
);
CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'RP013';
END $$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only()`,
  },
  {
    version: 5,
    name: 'telephony transfer requests',
    sql: `
CREATE TABLE telephony_requests (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  license_id text NOT NULL REFERENCES licenses(id),
  account_url text NOT NULL,
  installation_url text NOT NULL,
  numbers jsonb NOT NULL,
  certificate_sha256 text NOT NULL,
  public_key text NOT NULL,
  signature text NOT NULL,
  signed_at text NOT NULL,
  state text NOT NULL,
  received_at timestamptz NOT NULL
)`,
  },
  {
    version: 6,
    name: 'builds, archive passwords, reveal links',
    sql: `
CREATE TABLE builds (
  request_id integer PRIMARY KEY REFERENCES requests(id),
  archive_id uuid NOT NULL UNIQUE,
  night date NOT NULL,
  out_dir text NOT NULL,
  -- AES-256-GCM under the desk's server key, bound to the request id; never in clear text here.
  password_sealed text NOT NULL,
  stage text NOT NULL,
  bytes_done bigint NOT NULL DEFAULT 0,
  bytes_total bigint,
  attempts integer NOT NULL DEFAULT 0,
  failure text,
  telephony_handover text,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  ready_at timestamptz,
  expires_at timestamptz,
  purged_at timestamptz,
  volumes integer,
  bytes bigint
);
CREATE TABLE reveal_links (
  token_sha256 text PRIMARY KEY,
  request_id integer NOT NULL REFERENCES requests(id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX ix_reveal_links_request ON reveal_links (request_id)`,
  },
  {
    version: 7,
    name: 'archive stores and volume jobs',
    sql: `
-- Which store holds the archive: 'local' or 's3://bucket/prefix/' (never a credential).
ALTER TABLE builds ADD COLUMN store text NOT NULL DEFAULT 'local';
-- A build split into volume jobs (B7): what each volume holds, and once built its record and members.
CREATE TABLE build_volumes (
  request_id integer NOT NULL REFERENCES requests(id),
  ordinal integer NOT NULL CHECK (ordinal >= 0),
  units jsonb NOT NULL,
  estimated_bytes bigint NOT NULL,
  record jsonb,
  members jsonb,
  tables jsonb,
  sizes jsonb,
  done_at timestamptz,
  done_by text,
  PRIMARY KEY (request_id, ordinal)
)`,
  },
];

export async function migrate(sql: Sql): Promise<number[]> {
  await sql.query('SELECT pg_advisory_xact_lock(72657061)');
  await sql.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const done = new Set((await sql.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  const applied: number[] = [];
  for (const step of migrations) {
    if (done.has(step.version)) continue;
    for (const statement of splitStatements(step.sql)) await sql.query(statement);
    await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
    applied.push(step.version);
  }
  return applied;
}

/** Statements end with `;` at the end of a line; function bodies keep theirs inside `$$`. */
function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inBody = false;
  for (const line of text.split('\n')) {
    current += line + '\n';
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inBody = !inBody;
    if (!inBody && line.trimEnd().endsWith(';')) {
      statements.push(current.trim().replace(/;$/, ''));
      current = '';
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
