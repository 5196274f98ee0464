import { words } from '../corpus.js';
import type { TenantPlan } from '../plan.js';
import { canary, interleaved, later, rowsForShare, when, type TableSource } from './common.js';

const sitesOf = (t: TenantPlan): number => (t.edition.code === 'basic' ? 1 : Math.min(20, 1 + Math.floor(t.rowBytes / 30e6)));

export const landingDomain: TableSource = {
  table: 'b_landing_domain',
  columns: ['id', 'tenant_id', 'domain', 'active', 'provider', 'date_create'],
  *rows(world) {
    yield* interleaved(world, 'b_landing_domain', world.tenants.map(sitesOf), (slot, rng) => [
      slot.id, slot.tenantId, `${world.tenants[slot.tenant]!.name}-${slot.ordinal + 1}.cloud-sites.example`, true, rng.chance(0.1) ? 'custom' : null, when(slot.progress, rng),
    ]);
  },
};

export const landingSite: TableSource = {
  table: 'b_landing_site',
  columns: ['id', 'tenant_id', 'code', 'title', 'type', 'domain_id', 'active', 'lang', 'description', 'date_create', 'date_modify'],
  *rows(world) {
    const text = world.text('b_landing_site');
    yield* interleaved(world, 'b_landing_site', world.tenants.map(sitesOf), (slot, rng) => {
      const created = when(slot.progress, rng);
      return [slot.id, slot.tenantId, `/site${slot.ordinal + 1}/`, text.sentence(2, 4), slot.ordinal % 3 === 1 ? 'STORE' : 'PAGE',
        world.idsOf('b_landing_domain', slot.tenant)[slot.ordinal]!, true, rng.pick(['de', 'en', 'ru']), text.optionalParagraph(1), created, later(created, rng, 200)];
    });
  },
};

export const landingPage: TableSource = {
  table: 'b_landing',
  columns: ['id', 'site_id', 'code', 'title', 'active', 'public', 'deleted', 'description', 'created_by', 'date_create', 'date_publish'],
  *rows(world) {
    const text = world.text('b_landing');
    yield* interleaved(world, 'b_landing', world.tenants.map((t) => sitesOf(t) * 5), (slot, rng) => {
      const created = when(slot.progress, rng);
      const published = rng.chance(0.8);
      return [slot.id, rng.pick(world.idsOf('b_landing_site', slot.tenant)), slot.ordinal % 5 === 0 ? 'index' : `page-${slot.ordinal}`, text.sentence(1, 4),
        true, published, rng.chance(0.03), text.optionalParagraph(1), world.users[slot.tenant]!.admin, created, published ? later(created, rng, 10) : null];
    });
  },
};

export const landingBlock: TableSource = {
  table: 'b_landing_block',
  columns: ['id', 'lid', 'code', 'sort', 'active', 'public', 'content', 'assets', 'date_create', 'date_modify'],
  *rows(world) {
    const text = world.text('b_landing_block');
    yield* interleaved(world, 'b_landing_block', world.tenants.map((t) => rowsForShare(t, 0.04, 440, 5)), (slot, rng) => {
      const t = world.tenants[slot.tenant]!;
      const created = when(slot.progress, rng);
      const content = `<section class="landing-block"><h2>${text.sentence(2, 5)}</h2>\n<p>${text.paragraph(rng.int(1, 4))}</p>\n<a href="${t.address}/crm/form/${slot.ordinal}">Kontakt</a></section>`;
      return [slot.id, rng.pick(world.idsOf('b_landing', slot.tenant)), rng.pick(['01.big_with_text', '27.one_col_fix_title', '04.7.one_col_fix_with_title', '33.23.form_2_themecolor']),
        (slot.ordinal % 10) * 500, true, rng.chance(0.8), content, rng.chance(0.3) ? JSON.stringify({ css: ['landing_custom.css'], fonts: ['Open Sans'] }) : null, created, later(created, rng, 60)];
    });
  },
};

export const webform: TableSource = {
  table: 'b_crm_webform',
  columns: ['id', 'tenant_id', 'name', 'code', 'active', 'is_callback', 'security_code', 'button_caption', 'fields', 'landing_id', 'date_create'],
  *rows(world) {
    const text = world.text('b_crm_webform');
    yield* interleaved(world, 'b_crm_webform', world.tenants.map((t) => 1 + (t.index % 4)), (slot, rng) => [
      slot.id, slot.tenantId, slot.ordinal === 0 ? 'Kontaktformular' : text.sentence(1, 3), `form_${slot.ordinal + 1}`, true, slot.ordinal === 1, text.hex(6),
      rng.pick(['Senden', 'Submit', 'Отправить']),
      JSON.stringify([{ code: 'NAME', type: 'string', required: true, caption: 'Name' }, { code: 'PHONE', type: 'phone', required: false, caption: 'Telefon' }, { code: 'COMMENTS', type: 'text', caption: 'Ihre Nachricht' }]),
      rng.chance(0.5) ? rng.pick(world.idsOf('b_landing', slot.tenant)) : null, when(slot.progress * 0.5, rng),
    ]);
  },
};

export const webformResult: TableSource = {
  table: 'b_crm_webform_result',
  columns: ['id', 'form_id', 'origin_url', 'entity', 'date_create'],
  *rows(world) {
    const text = world.text('b_crm_webform_result');
    yield* interleaved(world, 'b_crm_webform_result', world.tenants.map((t) => rowsForShare(t, 0.02, 215, 1)), (slot, rng) => {
      const t = world.tenants[slot.tenant]!;
      return [slot.id, rng.pick(world.idsOf('b_crm_webform', slot.tenant)), rng.chance(0.5) ? `${t.address}/pub/form/${text.hex(6)}/` : `https://${t.name}-1.cloud-sites.example/kontakt/`,
        JSON.stringify({ NAME: `${text.firstName()} ${text.lastName()}`, PHONE: text.phone(), COMMENTS: text.sentence() }), when(slot.progress, rng)];
    });
  },
};

const apps = [
  ['Giphy', 'app.giphy', 'im,imbot'],
  ['1C Sync', 'app.onec.sync', 'crm,catalog'],
  ['Zoom', 'app.zoom', 'calendar,im'],
  ['Mailchimp', 'app.mailchimp', 'crm'],
] as const;

export const restApp: TableSource = {
  table: 'b_rest_app',
  columns: ['id', 'tenant_id', 'client_id', 'code', 'app_name', 'active', 'installed', 'url', 'version', 'scope', 'status', 'date_finish', 'client_secret', 'shared_key'],
  *rows(world) {
    yield* interleaved(world, 'b_rest_app', world.tenants.map((t) => t.index % 4), (slot, rng) => {
      const [name, code, scope] = apps[slot.ordinal % apps.length]!;
      return [slot.id, slot.tenantId, `local.${slot.tenantId}.${slot.id}`, code, name, true, true, `https://apps.example.com/${code}/`, rng.int(1, 12), scope,
        rng.pick(['F', 'P', 'T']), rng.chance(0.5) ? '2027-01-31' : null, canary(rng, 'oauth-client-secret'), canary(rng, 'app-shared-key')];
    });
  },
};

export const restEvent: TableSource = {
  table: 'b_rest_event',
  columns: ['id', 'app_id', 'event_name', 'event_handler', 'user_id', 'application_token', 'date_create'],
  *rows(world) {
    const rng = world.random('b_rest_event');
    const appIds = world.registry('b_rest_app');
    const registry = world.registry('b_rest_event');
    for (let i = 0; i < appIds.count(); i++) {
      const tenant = appIds.tenantOf(i + 1);
      for (const event of ['ONCRMDEALADD', 'ONIMBOTMESSAGEADD']) {
        yield [registry.take(tenant), i + 1, event, `https://apps.example.com/handler/${i + 1}`, rng.chance(0.5) ? world.users[tenant]!.admin : null, canary(rng, 'application-token'), when(rng.float(), rng)];
      }
    }
  },
};

export const restToken: TableSource = {
  table: 'b_rest_oauth_token',
  columns: ['id', 'app_id', 'user_id', 'access_token', 'refresh_token', 'expires'],
  *rows(world) {
    const rng = world.random('b_rest_oauth_token');
    const appIds = world.registry('b_rest_app');
    const registry = world.registry('b_rest_oauth_token');
    for (let i = 0; i < appIds.count(); i++) {
      const tenant = appIds.tenantOf(i + 1);
      for (let n = rng.int(1, 3); n > 0; n--) {
        yield [registry.take(tenant), i + 1, rng.pick(world.users[tenant]!.staff), canary(rng, 'oauth-access-token'), canary(rng, 'oauth-refresh-token'), when(0.99, rng)];
      }
    }
  },
};

const stems = [...new Set(words.map((w) => w.toLowerCase()))];

export const searchStem: TableSource = {
  table: 'b_search_stem',
  columns: ['id', 'stem'],
  *rows() {
    for (const [index, stem] of stems.entries()) yield [index + 1, stem];
  },
};

export const searchContent: TableSource = {
  table: 'b_search_content',
  columns: ['id', 'tenant_id', 'date_change', 'module_id', 'item_id', 'custom_rank', 'user_id', 'url', 'title', 'body', 'tags', 'param1'],
  *rows(world) {
    const text = world.text('b_search_content');
    yield* interleaved(world, 'b_search_content', world.tenants.map((t) => rowsForShare(t, 0.1, 280, 3)), (slot, rng) => {
      const module = rng.pick(['tasks', 'crm', 'disk', 'landing', 'blog']);
      return [slot.id, slot.tenantId, when(slot.progress, rng), module, `${module.toUpperCase()}_${slot.ordinal + 1}`, 0, rng.chance(0.5) ? world.users[slot.tenant]!.admin : null,
        `${world.tenants[slot.tenant]!.address}/${module}/${slot.ordinal + 1}/`, text.sentence(2, 6), text.paragraph(rng.int(1, 3)), rng.chance(0.3) ? text.words(2) : null, rng.chance(0.5) ? module : null];
    });
  },
};

export const searchContentStem: TableSource = {
  table: 'b_search_content_stem',
  columns: ['search_content_id', 'language_id', 'stem', 'tf'],
  *rows(world) {
    const rng = world.random('b_search_content_stem');
    const contents = world.registry('b_search_content');
    for (let i = 0; i < contents.count(); i++) {
      const picked = new Set<number>();
      for (let n = rng.int(3, 8); n > 0; n--) picked.add(rng.int(1, stems.length));
      for (const stem of picked) yield [i + 1, rng.pick(['de', 'en', 'ru']), stem, (rng.int(1, 9999) / 10000).toFixed(4)];
    }
  },
};
