import { industries, stageIds } from '../corpus.js';
import type { World } from '../world.js';
import { dateText, historyTime } from '../world.js';
import { interleaved, later, money, pickOr, rowsForShare, when, whenLocal, type TableSource } from './common.js';

const staffOf = (world: World, tenant: number): number[] => world.users[tenant]!.staff;

export const company: TableSource = {
  table: 'b_crm_company',
  columns: ['id', 'tenant_id', 'title', 'company_type', 'industry', 'revenue', 'currency_id', 'assigned_by_id', 'date_create', 'date_modify', 'comments', 'uf_data'],
  *rows(world) {
    const text = world.text('b_crm_company');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.025, 300, 3));
    yield* interleaved(world, 'b_crm_company', counts, (slot, rng) => {
      const created = when(slot.progress, rng);
      return [
        slot.id, slot.tenantId, text.company(), rng.pick(['CUSTOMER', 'SUPPLIER', 'PARTNER', null]), rng.pick(industries),
        rng.chance(0.7) ? money(rng, 50_000_000) : null, rng.pick(['EUR', 'EUR', 'USD', 'RUB']), pickOr(rng, staffOf(world, slot.tenant), null),
        created, later(created, rng, 400), text.optionalParagraph(2),
        rng.chance(0.5) ? JSON.stringify({ UF_CRM_VAT_ID: `DE${rng.int(100000000, 999999999)}`, UF_CRM_RATING: rng.int(1, 5), UF_CRM_NOTE: text.sentence() }) : null,
      ];
    });
  },
};

export const contact: TableSource = {
  table: 'b_crm_contact',
  columns: ['id', 'tenant_id', 'company_id', 'name', 'last_name', 'post', 'birthdate', 'assigned_by_id', 'date_create', 'comments', 'export'],
  *rows(world) {
    const text = world.text('b_crm_contact');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.045, 135, 3));
    yield* interleaved(world, 'b_crm_contact', counts, (slot, rng) => [
      slot.id, slot.tenantId, rng.chance(0.8) ? rng.pick(world.idsOf('b_crm_company', slot.tenant)) : null,
      text.firstName(), text.lastName(), rng.chance(0.6) ? rng.pick(['Geschäftsführer', 'Einkauf', 'CTO', 'Бухгалтер', 'Assistant']) : null,
      rng.chance(0.3) ? dateText(historyTime(0, rng) - rng.int(20, 70) * 365.25 * 86_400_000) : null,
      pickOr(rng, staffOf(world, slot.tenant), null), when(slot.progress, rng), text.optionalParagraph(1), rng.chance(0.9),
    ]);
  },
};

export const deal: TableSource = {
  table: 'b_crm_deal',
  columns: ['id', 'tenant_id', 'title', 'company_id', 'contact_id', 'stage_id', 'opportunity', 'currency_id', 'probability', 'closed', 'begindate', 'closedate', 'assigned_by_id', 'date_create', 'date_modify', 'comments'],
  *rows(world) {
    const text = world.text('b_crm_deal');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.05, 260, 3));
    yield* interleaved(world, 'b_crm_deal', counts, (slot, rng) => {
      const stage = rng.pick(stageIds);
      const begin = historyTime(slot.progress, rng);
      return [
        slot.id, slot.tenantId, `${text.words(rng.int(2, 5))} #${slot.ordinal + 1}`,
        rng.chance(0.7) ? rng.pick(world.idsOf('b_crm_company', slot.tenant)) : null,
        rng.chance(0.7) ? rng.pick(world.idsOf('b_crm_contact', slot.tenant)) : null,
        stage, rng.chance(0.9) ? money(rng, 2_000_000) : null, 'EUR', rng.chance(0.8) ? rng.int(0, 100) : null,
        stage === 'SUCCESS' || stage === 'LOSE', dateText(begin), rng.chance(0.8) ? dateText(begin + rng.int(1, 120) * 86_400_000) : null,
        pickOr(rng, staffOf(world, slot.tenant), null), when(slot.progress, rng), whenLocal(Math.min(1, slot.progress + 0.01), rng), text.optionalParagraph(2),
      ];
    });
  },
};

export const activity: TableSource = {
  table: 'b_crm_activity',
  columns: ['id', 'tenant_id', 'owner_type_id', 'owner_id', 'type_id', 'subject', 'description', 'description_type', 'direction', 'priority', 'completed', 'responsible_id', 'start_time', 'end_time', 'settings'],
  *rows(world) {
    const text = world.text('b_crm_activity');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.13, 335, 5));
    const owners = ['b_crm_deal', 'b_crm_contact', 'b_crm_company'] as const;
    yield* interleaved(world, 'b_crm_activity', counts, (slot, rng) => {
      const ownerType = rng.int(0, 2);
      const start = when(slot.progress, rng);
      return [
        slot.id, slot.tenantId, ownerType + 2, rng.pick(world.idsOf(owners[ownerType]!, slot.tenant)), rng.int(1, 6), text.sentence(3, 8),
        text.optionalParagraph(rng.int(1, 4)), rng.int(1, 3), rng.int(0, 2), rng.int(1, 3), rng.chance(0.7), pickOr(rng, staffOf(world, slot.tenant), null),
        start, later(start, rng, 2),
        rng.chance(0.6) ? JSON.stringify({ REMIND: rng.chance(0.5), EMAIL_META: { from: `kunde${slot.ordinal}@example.org`, cc: [] }, TAGS: [text.words(1)] }) : null,
      ];
    });
  },
};

export const fieldMulti: TableSource = {
  table: 'b_crm_field_multi',
  columns: ['id', 'tenant_id', 'entity_id', 'element_id', 'type_id', 'value_type', 'value'],
  *rows(world) {
    const text = world.text('b_crm_field_multi');
    const rng = world.random('b_crm_field_multi:owners');
    const registry = world.registry('b_crm_field_multi');
    for (const [entity, table] of [['CONTACT', 'b_crm_contact'], ['COMPANY', 'b_crm_company']] as const) {
      const owners = world.registry(table);
      for (let i = 0; i < owners.count(); i++) {
        const tenant = owners.tenantOf(i + 1);
        for (let n = rng.int(0, 3); n > 0; n--) {
          const phone = rng.chance(0.5);
          yield [registry.take(tenant), tenant + 1, entity, i + 1, phone ? 'PHONE' : 'EMAIL', rng.pick(['WORK', 'MOBILE', 'HOME']),
            phone ? text.phone() : `kontakt${i + 1}.${n}@${rng.pick(['example.org', 'beispiel.de', 'пример.рф'])}`];
        }
      }
    }
  },
};

export const task: TableSource = {
  table: 'b_tasks',
  columns: ['id', 'tenant_id', 'title', 'description', 'parent_id', 'status', 'priority', 'responsible_id', 'created_by', 'created_date', 'changed_date', 'deadline', 'closed_date', 'time_estimate', 'allow_time_tracking'],
  *rows(world) {
    const text = world.text('b_tasks');
    const counts = world.tenants.map((t) => rowsForShare(t, 0.07, 340, 3));
    yield* interleaved(world, 'b_tasks', counts, (slot, rng) => {
      const earlier = world.idsOf('b_tasks', slot.tenant);
      const parent = slot.ordinal > 0 && rng.chance(0.2) ? earlier[rng.int(0, slot.ordinal - 1)]! : null;
      const created = when(slot.progress, rng);
      const status = rng.int(1, 5);
      const staff = staffOf(world, slot.tenant);
      return [
        slot.id, slot.tenantId, text.sentence(3, 9), text.optionalParagraph(rng.int(1, 5)), parent, status, rng.int(0, 2),
        rng.pick(staff), rng.pick(staff), created, later(created, rng, 30), rng.chance(0.6) ? later(created, rng, 60) : null,
        status === 5 ? later(created, rng, 90) : null, rng.pick([0, 0, 3600, 7200, 28800]), rng.chance(0.3),
      ];
    });
  },
};

export const taskMember: TableSource = {
  table: 'b_tasks_member',
  columns: ['task_id', 'user_id', 'type'],
  *rows(world) {
    const rng = world.random('b_tasks_member');
    const tasks = world.registry('b_tasks');
    for (let i = 0; i < tasks.count(); i++) {
      const staff = staffOf(world, tasks.tenantOf(i + 1));
      const members = new Set<string>();
      members.add(`${rng.pick(staff)}:O`);
      members.add(`${rng.pick(staff)}:R`);
      for (let n = rng.int(0, 3); n > 0; n--) members.add(`${rng.pick(staff)}:${rng.pick(['A', 'U'])}`);
      for (const member of members) {
        const [user, type] = member.split(':');
        yield [i + 1, Number(user), type!];
      }
    }
  },
};

export const checklistItem: TableSource = {
  table: 'b_tasks_checklist_item',
  columns: ['id', 'task_id', 'created_by', 'title', 'is_complete', 'sort_index'],
  *rows(world) {
    const rng = world.random('b_tasks_checklist_item');
    const text = world.text('b_tasks_checklist_item');
    const tasks = world.registry('b_tasks');
    const registry = world.registry('b_tasks_checklist_item');
    for (let i = 0; i < tasks.count(); i++) {
      const tenant = tasks.tenantOf(i + 1);
      for (let n = 0, items = rng.chance(0.4) ? rng.int(1, 5) : 0; n < items; n++) {
        yield [registry.take(tenant), i + 1, rng.pick(staffOf(world, tenant)), text.sentence(2, 6), rng.chance(0.5), n * 10];
      }
    }
  },
};

export const diskStorage: TableSource = {
  table: 'b_disk_storage',
  columns: ['id', 'tenant_id', 'name', 'code', 'module_id', 'entity_type', 'entity_id', 'root_object_id'],
  *rows(world) {
    const registry = world.registry('b_disk_storage');
    for (const t of world.tenants) {
      const staff = world.users[t.index]!.staff;
      yield [registry.take(t.index), t.id, 'Shared files', 'shared_files_s1', 'disk', 'Bitrix\\Disk\\ProxyType\\Common', 'shared_files_s1', null];
      for (const user of staff) yield [registry.take(t.index), t.id, `user ${user}`, null, 'disk', 'Bitrix\\Disk\\ProxyType\\User', String(user), null];
    }
  },
};

export const diskObject: TableSource = {
  table: 'b_disk_object',
  columns: ['id', 'tenant_id', 'name', 'type', 'storage_id', 'parent_id', 'file_id', 'size', 'created_by', 'create_time', 'update_time', 'deleted_type'],
  *rows(world) {
    const rng = world.random('b_disk_object');
    const text = world.text('b_disk_object');
    const registry = world.registry('b_disk_object');
    const files = world.registry('b_file');
    const folders = world.tenants.map(() => [] as { id: number; storage: number }[]);
    for (const t of world.tenants) {
      for (const storage of world.idsOf('b_disk_storage', t.index)) {
        const id = registry.take(t.index);
        folders[t.index]!.push({ id, storage });
        yield [id, t.id, storage === world.idsOf('b_disk_storage', t.index)[0] ? 'Shared' : 'My Drive', 2, storage, null, null, null, world.users[t.index]!.admin, '2019-01-01 00:00:00+00', '2019-01-01 00:00:00+00', 0];
      }
    }
    for (let i = 0; i < files.count(); i++) {
      const tenant = files.tenantOf(i + 1);
      const staff = staffOf(world, tenant);
      let parent = rng.pick(folders[tenant]!);
      if (rng.chance(0.15)) {
        const id = registry.take(tenant);
        const created = when(i / files.count(), rng);
        yield [id, tenant + 1, text.words(rng.int(1, 3)), 2, parent.storage, parent.id, null, null, rng.pick(staff), created, created, 0];
        parent = { id, storage: parent.storage };
        folders[tenant]!.push(parent);
      }
      const created = when(i / files.count(), rng);
      yield [registry.take(tenant), tenant + 1, `${text.words(rng.int(1, 4))}.bin`, 3, parent.storage, parent.id, i + 1, null, rng.pick(staff), created, later(created, rng, 100), rng.chance(0.05) ? 3 : 0];
    }
  },
};
