import { createCipheriv, createHash } from 'node:crypto';
import { baseModuleVersions } from '../../kernel/releases.js';
import type { FileStore } from '../../filestore.js';
import { cities, departments } from '../corpus.js';
import type { World, UserKind } from '../world.js';
import { dateText, historyTime } from '../world.js';
import { canary, interleaved, later, pickOr, when, whenLocal, type Row, type TableSource } from './common.js';

const platformStart = '2019-01-01 00:00:00+00';

export const cloudModuleVersion: TableSource = {
  table: 'cloud_module_version',
  columns: ['module', 'version', 'installed_at'],
  *rows() {
    for (const [module, version] of Object.entries(baseModuleVersions)) yield [module, version, '2024-03-01 04:00:00+00'];
  },
};

export const cloudTenant: TableSource = {
  table: 'cloud_tenant',
  columns: ['id', 'address', 'title', 'edition', 'user_limit', 'auto_renew', 'status', 'region', 'created_at'],
  *rows(world) {
    for (const t of world.tenants) {
      yield [t.id, t.address, t.title, t.edition.code, t.edition.userLimit, t.autoRenew, 'active', t.region, platformStart];
    }
  },
};

export const bitrix24Limit: TableSource = {
  table: 'b_bitrix24_limit',
  columns: ['tenant_id', 'feature', 'value', 'updated_at'],
  *rows(world) {
    for (const t of world.tenants) {
      yield [t.id, 'users', t.edition.userLimit, platformStart];
      yield [t.id, 'disk_bytes', Math.round(t.fileBytes * 4), platformStart];
      yield [t.id, 'crm_entities', 1_000_000, platformStart];
      yield [t.id, 'sites', t.edition.code === 'basic' ? 1 : 100, platformStart];
    }
  },
};

export const culture: TableSource = {
  table: 'b_culture',
  columns: ['id', 'code', 'format_date', 'format_datetime', 'week_start', 'charset'],
  *rows() {
    yield [1, 'en', 'MM/DD/YYYY', 'MM/DD/YYYY H:MI:SS T', 0, 'UTF-8'];
    yield [2, 'de', 'DD.MM.YYYY', 'DD.MM.YYYY HH:MI:SS', 1, 'UTF-8'];
    yield [3, 'ru', 'DD.MM.YYYY', 'DD.MM.YYYY HH:MI:SS', 1, 'UTF-8'];
  },
};

export const lang: TableSource = {
  table: 'b_lang',
  columns: ['lid', 'name', 'culture_id', 'sort', 'active'],
  *rows() {
    yield ['en', 'English', 1, 100, true];
    yield ['de', 'Deutsch', 2, 200, true];
    yield ['ru', 'Русский', 3, 300, true];
  },
};

interface PlannedFile {
  readonly size: number;
  readonly kind: (typeof fileKinds)[number];
}

const fileKinds = [
  { ext: 'pdf', type: 'application/pdf', image: false },
  { ext: 'docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', image: false },
  { ext: 'xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', image: false },
  { ext: 'jpg', type: 'image/jpeg', image: true },
  { ext: 'png', type: 'image/png', image: true },
  { ext: 'txt', type: 'text/plain', image: false },
  { ext: 'zip', type: 'application/zip', image: false },
  { ext: 'mp3', type: 'audio/mpeg', image: false },
] as const;

const originalStems = ['Angebot Müller & Söhne', 'Rechnung 2024-03', 'Vertrag (final)', 'Präsentation Q3', 'Отчёт за май', 'scan 0001', 'Foto Büro', 'Lieferschein #4711', 'Protokoll — Besprechung', 'logo'];

function planFiles(world: World, tenant: number): PlannedFile[] {
  const rng = world.random(`files:${tenant}`);
  const budget = world.tenants[tenant]!.fileBytes;
  const files: PlannedFile[] = [];
  let used = 0;
  while (used < budget) {
    const size = Math.min(rng.logUniform(200, 4_000_000), Math.max(200, Math.ceil(budget - used)));
    files.push({ size, kind: rng.pick(fileKinds) });
    used += size;
  }
  return files;
}

/** File content: a keystream from the seed and the file id — incompressible like real uploads, and reproducible. */
function* fileContent(seed: number, fileId: number, size: number, text: () => string): Generator<Buffer> {
  if (size < 4096) {
    let body = '';
    while (Buffer.byteLength(body) < size) body += text() + '\n';
    yield Buffer.from(body).subarray(0, size);
    return;
  }
  const key = createHash('sha256').update(`${seed}:file:${fileId}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(256 * 1024);
  for (let left = size; left > 0; left -= zeros.length) yield cipher.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
}

export function fileSource(store: FileStore): TableSource {
  return {
    table: 'b_file',
    columns: ['id', 'tenant_id', 'timestamp_x', 'module_id', 'height', 'width', 'file_size', 'content_type', 'subdir', 'file_name', 'original_name', 'description', 'checksum', 'thumb'],
    async *rows(world) {
      const planned = world.tenants.map((_, t) => planFiles(world, t));
      const text = world.text('b_file');
      const slots = [...interleaved(world, 'b_file', planned.map((p) => p.length), (slot, rng) => [slot.tenant, slot.ordinal, slot.id, slot.progress, rng.int(0, 0xffffff)])];
      const rng = world.random('b_file:meta');
      for (const [tenant, ordinal, id, progress, salt] of slots as number[][]) {
        const file = planned[tenant!]![ordinal!]!;
        const host = world.tenants[tenant!]!.host;
        const subdir = `disk/${(salt! & 0xfff).toString(16).padStart(3, '0')}`;
        const fileName = `${createHash('md5').update(`${world.seed}:${id}`).digest('hex')}.${file.kind.ext}`;
        const checksum = await store.write(host, `${subdir}/${fileName}`, fileContent(world.seed, id!, file.size, () => text.sentence()));
        if (file.kind.image) world.imageFiles[tenant!]!.push(id!);
        const original = `${rng.pick(originalStems)}${rng.chance(0.1) ? ' (1)' : ''}.${file.kind.ext}`;
        const thumb = file.kind.image ? Buffer.from(createHash('sha512').update(`${world.seed}:thumb:${id}`).digest()) : null;
        yield [
          id!, tenant! + 1, when(progress!, rng), 'disk',
          file.kind.image ? rng.int(200, 4000) : null, file.kind.image ? rng.int(200, 4000) : null,
          file.size, file.kind.type, subdir, fileName, original, rng.chance(0.2) ? text.sentence() : null, checksum, thumb,
        ];
      }
    },
  };
}

const peopleKinds: readonly [UserKind, number][] = [['deactivated', 0.1], ['invited', 0.07], ['extranet', 0.08]];

function userKindsFor(world: World, tenant: number): UserKind[] {
  const plan = world.tenants[tenant]!;
  const rng = world.random(`users:${tenant}:kinds`);
  const people: UserKind[] = [];
  for (const [kind, share] of peopleKinds) for (let i = 0; i < Math.round(plan.people * share); i++) people.push(kind);
  while (people.length < plan.people - 1) people.push('employee');
  const others: UserKind[] = ['bot', 'bot', 'bot', 'system', 'system'];
  for (let i = 0; i < Math.max(1, Math.round(plan.people * 0.1)); i++) others.push('connector');
  const rest = [...people, ...others];
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return ['employee', ...rest];
}

const botCodes = ['marta', 'support24', 'giphy'];
const systemLogins = ['replica', '__controller'];

export const user: TableSource = {
  table: 'b_user',
  columns: ['id', 'tenant_id', 'login', 'email', 'name', 'last_name', 'second_name', 'password', 'checkword', 'active', 'confirm_code',
    'external_auth_id', 'xml_id', 'lid', 'date_register', 'last_login', 'timestamp_x', 'personal_birthday', 'personal_phone',
    'personal_city', 'personal_photo', 'work_position', 'time_zone'],
  *rows(world) {
    const kinds = world.tenants.map((_, t) => userKindsFor(world, t));
    const text = world.text('b_user');
    const seen = world.tenants.map(() => ({ bot: 0, system: 0 }));
    yield* interleaved(world, 'b_user', kinds.map((k) => k.length), (slot, rng): Row => {
      const kind = kinds[slot.tenant]![slot.ordinal]!;
      const users = world.users[slot.tenant]!;
      if (slot.ordinal === 0) users.admin = slot.id;
      users.all.push(slot.id);
      const list = users.byKind.get(kind) ?? [];
      list.push(slot.id);
      users.byKind.set(kind, list);
      world.userKind[slot.id - 1] = kind;
      if (kind === 'employee') users.staff.push(slot.id);

      const host = world.tenants[slot.tenant]!.host;
      const registered = when(slot.progress * 0.9, rng);
      const first = text.firstName();
      const last = text.lastName();
      const person = kind === 'employee' || kind === 'extranet' || kind === 'invited' || kind === 'deactivated';
      let login = `user${slot.ordinal}`;
      let external: string | null = null;
      if (kind === 'bot') {
        login = `bot_${botCodes[seen[slot.tenant]!.bot++ % botCodes.length]}`;
        external = 'bot';
      } else if (kind === 'system') {
        login = systemLogins[seen[slot.tenant]!.system++ % systemLogins.length]!;
        external = login === 'replica' ? 'replica' : '__controller';
      } else if (kind === 'connector') {
        login = `imconnector_${slot.ordinal}_${text.hex(8)}`;
        external = 'imconnector';
      } else {
        login = `${slot.ordinal === 0 ? 'admin' : `u${slot.ordinal}`}@${host}`;
      }
      const photo = person && rng.chance(0.3) ? pickOr(rng, world.imageFiles[slot.tenant]!, null) : null;
      return [
        slot.id, slot.tenantId, login,
        person ? `${slot.ordinal === 0 ? 'admin' : `u${slot.ordinal}`}@${rng.pick(['mail.example', host, 'example.org'])}` : null,
        first, last, rng.chance(0.1) ? text.firstName() : rng.chance(0.5) ? null : '',
        `$6$${text.hex(16)}$${canary(rng, 'password-hash')}`,
        rng.chance(0.5) ? canary(rng, 'checkword') : null,
        kind !== 'deactivated',
        kind === 'invited' ? text.hex(8) : null,
        external, rng.chance(0.2) ? `ldap|${text.hex(10)}` : null,
        rng.pick(['en', 'de', 'de', 'ru']),
        registered,
        person && kind !== 'invited' ? later(registered, rng, 700) : null,
        whenLocal(slot.progress, rng),
        person && rng.chance(0.4) ? dateText(historyTime(0, rng) - rng.int(18, 60) * 365.25 * 86_400_000) : null,
        person && rng.chance(0.5) ? text.phone() : null,
        person && rng.chance(0.5) ? rng.pick(cities) : null,
        photo,
        person ? rng.pick(['Vertriebsleiter', 'Buchhalterin', 'Developer', 'Менеджер', 'CEO', 'Support', '']) : null,
        rng.chance(0.5) ? rng.pick(['Europe/Berlin', 'Europe/Moscow', 'UTC', 'America/New_York']) : null,
      ];
    });
  },
};

const groupDefinitions: readonly [string, string][] = [
  ['ADMIN', 'Administrators'],
  ['EMPLOYEES', 'Employees'],
  ['EXTRANET', 'Extranet users'],
  ['PORTAL_ADMINISTRATION', 'Portal administration'],
  ['RATING_VOTE', 'Rating: vote'],
  ['SUPPORT', 'Support'],
];

export const group: TableSource = {
  table: 'b_group',
  columns: ['id', 'tenant_id', 'string_id', 'name', 'description', 'active', 'c_sort', 'anonymous'],
  *rows(world) {
    const registry = world.registry('b_group');
    for (const t of world.tenants) {
      for (const [index, [code, name]] of groupDefinitions.entries()) {
        const id = registry.take(t.index);
        world.groups[t.index]!.set(code, id);
        yield [id, t.id, code, name, index === 0 ? 'Full access.\nDo not remove the last member.' : null, true, (index + 1) * 100, false];
      }
    }
  },
};

export const userGroup: TableSource = {
  table: 'b_user_group',
  columns: ['user_id', 'group_id', 'date_active_from', 'date_active_to'],
  *rows(world) {
    const rng = world.random('b_user_group');
    const users = world.registry('b_user');
    for (let i = 0; i < users.count(); i++) {
      const id = i + 1;
      const tenant = users.tenantOf(i + 1);
      const groups = world.groups[tenant]!;
      const kind = world.userKind[i]!;
      const member: string[] = [];
      if (id === world.users[tenant]!.admin) member.push('ADMIN', 'EMPLOYEES');
      else if (kind === 'extranet') member.push('EXTRANET');
      else if (kind === 'employee' || kind === 'invited' || kind === 'deactivated') member.push('EMPLOYEES');
      if (kind === 'employee' && rng.chance(0.05)) member.push('PORTAL_ADMINISTRATION');
      for (const code of member) yield [id, groups.get(code)!, rng.chance(0.1) ? when(rng.float(), rng) : null, null];
    }
  },
};

export const userStoredAuth: TableSource = {
  table: 'b_user_stored_auth',
  columns: ['id', 'user_id', 'date_reg', 'last_auth', 'stored_hash', 'temp_hash', 'ip_addr'],
  *rows(world) {
    const rng = world.random('b_user_stored_auth');
    const users = world.registry('b_user');
    const registry = world.registry('b_user_stored_auth');
    for (let i = 0; i < users.count(); i++) {
      const kind = world.userKind[i]!;
      if ((kind !== 'employee' && kind !== 'extranet') || !rng.chance(0.5)) continue;
      const registered = when(rng.float(), rng);
      yield [registry.take(users.tenantOf(i + 1)), i + 1, registered, later(registered, rng, 300), canary(rng, 'stored-auth'), rng.chance(0.1), `192.0.2.${rng.int(1, 254)}`];
    }
  },
};

export const option: TableSource = {
  table: 'b_option',
  columns: ['tenant_id', 'module_id', 'name', 'value', 'description', 'site_id'],
  *rows(world) {
    for (const t of world.tenants) {
      const rtc = `rtc-${t.region}.cloud.example`;
      const options: [string, string, string | null, string | null][] = [
        ['main', 'server_name', t.host, null],
        ['main', 'site_name', t.title, null],
        ['main', 'email_from', `noreply@${t.host}`, null],
        ['main', 'new_user_registration', 'N', null],
        ['main', 'signature', 'Mit freundlichen Grüßen\n\t— Ihr Team\\Support', 'tabs, newlines and a backslash'],
        ['main', 'empty_setting', '', 'an empty string, not NULL'],
        ['main', 'unset_setting', null, 'NULL, not an empty string'],
        ['intranet', 'portal_url', t.address, null],
        ['crm', 'crm_default_currency', 'EUR', null],
        ['tasks', 'default_priority', '1', null],
        ['disk', 'disk_version', '2', null],
        ['im', 'general_chat_id', '1', null],
        ['imconnector', 'uri_client', t.address, 'public address the channels call back'],
        ['imopenlines', 'portal_url', t.address, null],
        ['imbot', 'portal_url', t.address, null],
        ['pull', 'path_to_listener', `http://${rtc}/sub/`, null],
        ['pull', 'path_to_listener_secure', `https://${rtc}/sub/`, null],
        ['pull', 'path_to_websocket', `ws://${rtc}/subws/`, null],
        ['pull', 'path_to_websocket_secure', `wss://${rtc}/subws/`, null],
        ['pull', 'path_to_publish', `https://${rtc}/pub/`, null],
        ['pull', 'push', 'Y', null],
        ['landing', 'pub_path', '/pub/site/', null],
        ['mail', 'smtp_use', 'Y', null],
        ['voximplant', 'portal_url', t.address, null],
        ['rest', 'app_immune', '[]', null],
        ['search', 'use_stemming', 'Y', null],
        ['search', 'max_result_size', '500', null],
      ];
      for (const [module, name, value, description] of options) yield [t.id, module, name, value, description, module === 'main' ? 's1' : null];
    }
  },
};

export const department: TableSource = {
  table: 'b_intranet_department',
  columns: ['id', 'tenant_id', 'parent_id', 'name', 'sort', 'head_user_id', 'xml_id', 'created_at'],
  *rows(world) {
    const counts = world.tenants.map((t) => 2 + Math.ceil(t.people / 12));
    yield* interleaved(world, 'b_intranet_department', counts, (slot, rng) => {
      const earlier = world.idsOf('b_intranet_department', slot.tenant);
      const parent = slot.ordinal === 0 ? null : earlier[rng.int(0, Math.max(0, slot.ordinal - 1))]!;
      const name = slot.ordinal === 0 ? world.tenants[slot.tenant]!.title : `${rng.pick(departments)} ${slot.ordinal}`;
      const head = rng.chance(0.8) ? pickOr(rng, world.users[slot.tenant]!.staff, null) : null;
      return [slot.id, slot.tenantId, parent, name, 500 + slot.ordinal * 10, head, rng.chance(0.3) ? `dep_${slot.id}` : null, when(slot.progress * 0.2, rng)];
    });
  },
};

export const userDepartment: TableSource = {
  table: 'b_intranet_user_department',
  columns: ['user_id', 'department_id', 'is_head'],
  *rows(world) {
    const rng = world.random('b_intranet_user_department');
    const users = world.registry('b_user');
    for (let i = 0; i < users.count(); i++) {
      const kind = world.userKind[i]!;
      if (kind !== 'employee' && kind !== 'invited' && kind !== 'deactivated') continue;
      const deps = world.idsOf('b_intranet_department', users.tenantOf(i + 1));
      const first = rng.pick(deps);
      yield [i + 1, first, rng.chance(0.05)];
      if (rng.chance(0.05)) {
        const second = rng.pick(deps);
        if (second !== first) yield [i + 1, second, false];
      }
    }
  },
};
