import type { LicenseEdition } from './key.js';

/**
 * What each on-premise edition includes, by product module — the one place that decides the
 * edition gap (M6). A module of the cloud account that its license's edition lacks cannot
 * move: its data stays behind. Modules every edition has (main, the intranet core, search…)
 * are listed for standard and inherited upwards.
 */
const standard = ['main', 'intranet', 'tasks', 'disk', 'im', 'imbot', 'pull', 'search', 'mail', 'rest'] as const;
const professional = [...standard, 'crm', 'imopenlines', 'imconnector', 'voximplant'] as const;
const enterprise = [...professional, 'landing'] as const;

export const editionModules: Readonly<Record<LicenseEdition, readonly string[]>> = { standard, professional, enterprise };

/** Readable names of the modules, for the customer's screen. */
export const moduleTitles: Readonly<Record<string, string>> = {
  main: 'core (users, groups, settings)',
  intranet: 'company structure',
  tasks: 'tasks and projects',
  disk: 'drive (files)',
  im: 'chats and messages',
  imbot: 'chat bots',
  pull: 'push & pull',
  search: 'search',
  mail: 'mail',
  rest: 'marketplace apps',
  crm: 'CRM (companies, contacts, deals, activities, web forms)',
  imopenlines: 'open channels',
  imconnector: 'channel connectors',
  voximplant: 'telephony',
  landing: 'sites and online stores',
};

export function editionIncludes(edition: LicenseEdition, module: string): boolean {
  return editionModules[edition].includes(module);
}
