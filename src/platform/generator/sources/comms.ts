import { connectors } from '../corpus.js';
import type { TenantPlan } from '../plan.js';
import type { World } from '../world.js';
import { dateText, historyTime } from '../world.js';
import { canary, interleaved, later, money, pickOr, rowsForShare, when, type TableSource } from './common.js';

const openlineSessions = (t: TenantPlan): number => rowsForShare(t, 0.015, 85, 1);
const groupChats = (t: TenantPlan): number => Math.max(2, Math.round(rowsForShare(t, 0.3, 150, 10) / 40));

export const chat: TableSource = {
  table: 'b_im_chat',
  columns: ['id', 'tenant_id', 'title', 'description', 'type', 'author_id', 'entity_type', 'entity_id', 'message_count', 'date_create'],
  *rows(world) {
    const text = world.text('b_im_chat');
    const counts = world.tenants.map((t) => openlineSessions(t) + groupChats(t));
    yield* interleaved(world, 'b_im_chat', counts, (slot, rng) => {
      const openline = slot.ordinal < openlineSessions(world.tenants[slot.tenant]!);
      const type = openline ? 'O' : slot.ordinal % 3 === 0 ? 'C' : 'P';
      return [
        slot.id, slot.tenantId, type === 'P' ? null : text.sentence(2, 5), type === 'C' ? text.optionalParagraph(1) : null, type,
        pickOr(rng, world.users[slot.tenant]!.staff, null), openline ? 'LINES' : null, openline ? `telegrambot|1|${text.hex(10)}` : null, rng.int(0, 500),
        when(slot.progress, rng),
      ];
    });
  },
};

export const message: TableSource = {
  table: 'b_im_message',
  columns: ['id', 'tenant_id', 'chat_id', 'author_id', 'message', 'date_create', 'notify_type', 'notify_module', 'notify_read', 'params'],
  *rows(world) {
    const text = world.text('b_im_message');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.3, 150, 10));
    yield* interleaved(world, 'b_im_message', counts, (slot, rng) => {
      const system = rng.chance(0.05);
      const files = world.idsOf('b_file', slot.tenant);
      return [
        slot.id, slot.tenantId, rng.pick(world.idsOf('b_im_chat', slot.tenant)), system ? null : rng.pick(world.users[slot.tenant]!.staff),
        rng.chance(0.02) ? '' : text.sentence(2, 20), when(slot.progress, rng), system ? 1 : 0, system ? rng.pick(['tasks', 'crm', 'calendar']) : null,
        rng.chance(0.8), rng.chance(0.1) && files.length > 0 ? JSON.stringify({ FILE_ID: [rng.pick(files)], IS_EDITED: rng.chance(0.2) ? 'Y' : 'N' }) : null,
      ];
    });
  },
};

export const relation: TableSource = {
  table: 'b_im_relation',
  columns: ['id', 'chat_id', 'user_id', 'message_type', 'last_id', 'last_read', 'notify_block'],
  *rows(world) {
    const rng = world.random('b_im_relation');
    const chats = world.registry('b_im_chat');
    const registry = world.registry('b_im_relation');
    for (let i = 0; i < chats.count(); i++) {
      const tenant = chats.tenantOf(i + 1);
      const users = world.users[tenant]!;
      const members = new Set<number>([rng.pick(users.staff), rng.pick(users.staff)]);
      for (let n = rng.chance(0.3) ? rng.int(1, 8) : 0; n > 0; n--) members.add(rng.pick(users.staff));
      for (const member of members) {
        yield [registry.take(tenant), i + 1, member, rng.pick(['P', 'C', 'O']), null, rng.chance(0.7) ? when(rng.float(), rng) : null, rng.chance(0.05)];
      }
    }
  },
};

export const openlineConfig: TableSource = {
  table: 'b_imopenlines_config',
  columns: ['id', 'tenant_id', 'line_name', 'active', 'crm', 'queue_type', 'welcome_message_text', 'no_answer_text', 'auto_close_time', 'date_create', 'modify_user_id'],
  *rows(world) {
    const text = world.text('b_imopenlines_config');
    yield* interleaved(world, 'b_imopenlines_config', world.tenants.map((t) => 1 + (t.index % 3)), (slot, rng) => [
      slot.id, slot.tenantId, `Open line ${slot.ordinal + 1}`, true, rng.chance(0.8), rng.pick(['evenly', 'strictly', 'all']),
      'Willkommen! Wir antworten in Kürze.\nWelcome!', text.optionalParagraph(1), 86400, when(slot.progress * 0.3, rng), world.users[slot.tenant]!.admin,
    ]);
  },
};

export const openlineSession: TableSource = {
  table: 'b_imopenlines_session',
  columns: ['id', 'config_id', 'chat_id', 'user_id', 'operator_id', 'status', 'source', 'date_create', 'date_close'],
  *rows(world) {
    yield* interleaved(world, 'b_imopenlines_session', world.tenants.map(openlineSessions), (slot, rng) => {
      const users = world.users[slot.tenant]!;
      const created = when(slot.progress, rng);
      const closed = rng.chance(0.8);
      return [
        slot.id, rng.pick(world.idsOf('b_imopenlines_config', slot.tenant)), world.idsOf('b_im_chat', slot.tenant)[slot.ordinal]!,
        pickOr(rng, users.byKind.get('connector') ?? [], users.admin), rng.chance(0.9) ? rng.pick(users.staff) : null,
        closed ? 65 : rng.int(0, 40), rng.pick(connectors), created, closed ? later(created, rng, 3) : null,
      ];
    });
  },
};

export const connectorStatus: TableSource = {
  table: 'b_imconnector_status',
  columns: ['id', 'tenant_id', 'connector', 'line_id', 'active', 'connection', 'register', 'error', 'data', 'token'],
  *rows(world) {
    const rng = world.random('b_imconnector_status');
    const registry = world.registry('b_imconnector_status');
    for (const t of world.tenants) {
      for (const line of world.idsOf('b_imopenlines_config', t.index)) {
        const used = new Set<string>();
        for (let n = rng.int(1, 3); n > 0; n--) used.add(rng.pick(connectors));
        for (const connector of used) {
          const webhook = `${t.address}/pub/imconnector/${connector}.php?line=${line}`;
          yield [registry.take(t.index), t.id, connector, line, true, rng.chance(0.9), true, rng.chance(0.05),
            JSON.stringify({ webhook, page_name: `${t.title} ${connector}`, connected_at: dateText(historyTime(rng.float(), rng)) }), canary(rng, `channel-token-${connector}`)];
        }
      }
    }
  },
};

export const bot: TableSource = {
  table: 'b_im_bot',
  columns: ['bot_id', 'tenant_id', 'module_id', 'code', 'type', 'class', 'method_message_add', 'text_private_welcome_message', 'openline', 'count_message', 'app_id'],
  *rows(world) {
    const rng = world.random('b_im_bot');
    for (const t of world.tenants) {
      for (const [n, botId] of (world.users[t.index]!.byKind.get('bot') ?? []).entries()) {
        const app = n === 2;
        yield [botId, t.id, app ? 'rest' : 'imbot', ['marta', 'support24', 'giphy'][n % 3]!, app ? 'B' : 'S', app ? null : `\\Bitrix\\ImBot\\Bot\\${n === 0 ? 'Marta' : 'Support24'}`,
          app ? `https://apps.example.com/giphy/handler.php?portal=${encodeURIComponent(t.address)}` : null, 'Hallo! Ich bin Ihr Assistent.', n === 1, rng.int(0, 10000), app ? `app.giphy.${t.id}` : null];
      }
    }
  },
};

export const pullChannel: TableSource = {
  table: 'b_pull_channel',
  columns: ['id', 'tenant_id', 'user_id', 'channel_type', 'channel_id', 'channel_public_id', 'last_id', 'date_create'],
  *rows(world) {
    const rng = world.random('b_pull_channel');
    const text = world.text('b_pull_channel');
    const users = world.registry('b_user');
    const registry = world.registry('b_pull_channel');
    for (let i = 0; i < users.count(); i++) {
      const kind = world.userKind[i];
      if (kind !== 'employee' && kind !== 'extranet') continue;
      const tenant = users.tenantOf(i + 1);
      yield [registry.take(tenant), tenant + 1, i + 1, 'private', canary(rng, 'pull-channel'), text.hex(32), rng.int(0, 100000), when(rng.float(), rng)];
    }
  },
};

export const mailbox: TableSource = {
  table: 'b_mail_mailbox',
  columns: ['id', 'tenant_id', 'user_id', 'email', 'server', 'port', 'use_tls', 'login', 'password', 'active', 'date_create', 'options'],
  *rows(world) {
    yield* interleaved(world, 'b_mail_mailbox', world.tenants.map((t) => Math.max(1, Math.round(t.people / 10))), (slot, rng) => {
      const owner = rng.pick(world.users[slot.tenant]!.staff);
      const email = `postfach${slot.ordinal + 1}@${world.tenants[slot.tenant]!.name}.example`;
      return [slot.id, slot.tenantId, owner, email, rng.pick(['imap.mail.example', 'outlook.office365.com', 'imap.yandex.ru']), 993, true, email,
        canary(rng, 'mailbox-password'), rng.chance(0.9), when(slot.progress * 0.5, rng), JSON.stringify({ sync_from: '2023-01-01', folders: ['INBOX', 'Gesendet'] })];
    });
  },
};

export const mailMessage: TableSource = {
  table: 'b_mail_message',
  columns: ['id', 'mailbox_id', 'subject', 'field_from', 'field_to', 'body', 'date_insert', 'msg_id'],
  *rows(world) {
    const text = world.text('b_mail_message');
    yield* interleaved(world, 'b_mail_message', world.tenants.map((t) => rowsForShare(t, 0.06, 520, 2)), (slot, rng) => [
      slot.id, rng.pick(world.idsOf('b_mail_mailbox', slot.tenant)), text.sentence(2, 8), `"${text.firstName()} ${text.lastName()}" <kunde@example.org>`,
      `team@${world.tenants[slot.tenant]!.name}.example`, text.optionalParagraph(rng.int(2, 10)), when(slot.progress, rng), `<${text.hex(20)}@mail.example>`,
    ]);
  },
};

export const smtp: TableSource = {
  table: 'b_mail_smtp',
  columns: ['id', 'tenant_id', 'server', 'port', 'protocol', 'login', 'password', 'from_email', 'active'],
  *rows(world) {
    const rng = world.random('b_mail_smtp');
    const registry = world.registry('b_mail_smtp');
    for (const t of world.tenants) {
      if (t.index % 5 === 4) continue;
      yield [registry.take(t.index), t.id, `smtp.${t.name}.example`, rng.pick([465, 587]), rng.pick(['smtps', 'smtp']), `noreply@${t.name}.example`, canary(rng, 'smtp-password'), `noreply@${t.host}`, true];
    }
  },
};

export const telephonyAccount: TableSource = {
  table: 'b_voximplant_account',
  columns: ['tenant_id', 'account_id', 'account_name', 'api_key', 'balance', 'currency', 'updated_at'],
  *rows(world) {
    const rng = world.random('b_voximplant_account');
    for (const t of world.tenants) yield [t.id, 100_000 + t.id, `${t.name}.voximplant.example`, canary(rng, 'telephony-api-key'), money(rng, 500), 'EUR', when(0.99, rng)];
  },
};

export const phoneNumber: TableSource = {
  table: 'b_voximplant_number',
  columns: ['id', 'tenant_id', 'number', 'country_code', 'rented', 'date_rent', 'monthly_fee', 'to_delete'],
  *rows(world) {
    const rng = world.random('b_voximplant_number');
    const registry = world.registry('b_voximplant_number');
    for (const t of world.tenants) {
      const callerIds = t.index % 2;
      for (let n = 0; n < t.rentedNumbers + callerIds; n++) {
        const rented = n < t.rentedNumbers;
        yield [registry.take(t.index), t.id, `+4930${String(t.id).padStart(4, '0')}${String(n).padStart(3, '0')}`, 'DE', rented,
          rented ? dateText(historyTime(rng.float(), rng)) : null, rented ? '9.90' : '0.00', false];
      }
    }
  },
};

export const sip: TableSource = {
  table: 'b_voximplant_sip',
  columns: ['id', 'tenant_id', 'title', 'server', 'login', 'password', 'type'],
  *rows(world) {
    const rng = world.random('b_voximplant_sip');
    const registry = world.registry('b_voximplant_sip');
    for (const t of world.tenants) {
      for (let n = t.index % 3; n > 0; n--) {
        yield [registry.take(t.index), t.id, `PBX ${n}`, `sip${n}.${t.name}.example`, `trunk${n}`, canary(rng, 'sip-password'), rng.pick(['office', 'cloud'])];
      }
    }
  },
};

export const callStatistic: TableSource = {
  table: 'b_voximplant_statistic',
  columns: ['id', 'tenant_id', 'call_id', 'portal_user_id', 'portal_number', 'phone_number', 'incoming', 'call_duration', 'cost', 'cost_currency', 'call_start_date', 'call_failed_code', 'record_file_id', 'comment'],
  *rows(world) {
    const text = world.text('b_voximplant_statistic');
    yield* interleaved(world, 'b_voximplant_statistic', world.tenants.map((t) => rowsForShare(t, 0.03, 140, 1)), (slot, rng) => {
      const failed = rng.chance(0.1);
      const files = world.idsOf('b_file', slot.tenant);
      return [
        slot.id, slot.tenantId, `externalCall.${text.hex(24)}`, pickOr(rng, world.users[slot.tenant]!.staff, null), `reg${slot.tenantId}`, text.phone(),
        rng.int(1, 3), failed ? 0 : rng.int(5, 3600), (rng.int(0, 50000) / 10000).toFixed(4), 'EUR', when(slot.progress, rng), failed ? rng.pick(['486', '603', '304']) : null,
        !failed && files.length > 0 && rng.chance(0.05) ? rng.pick(files) : null, rng.chance(0.2) ? text.sentence() : null,
      ];
    });
  },
};
