import { Random } from '../../core/random.js';

/**
 * What the generator will make: the accounts, their share of the requested size, and the
 * editions and subscriptions they hold. Pure and deterministic from (seed, tenants, size).
 */
export interface GeneratorOptions {
  readonly seed: number;
  readonly tenants: number;
  /** Approximate bytes of account data: rows in COPY text encoding plus uploaded files. */
  readonly size: number;
}

export interface Edition {
  readonly code: 'basic' | 'standard' | 'professional' | 'enterprise';
  readonly userLimit: number;
}

export interface TenantPlan {
  /** Position among the accounts, 0-based; the tenant id is index + 1. */
  readonly index: number;
  readonly id: number;
  readonly name: string;
  readonly host: string;
  readonly address: string;
  readonly title: string;
  readonly region: string;
  readonly edition: Edition;
  readonly autoRenew: boolean;
  readonly rentedNumbers: number;
  /** Budget for database rows and for uploaded files, in bytes. */
  readonly rowBytes: number;
  readonly fileBytes: number;
  /** People (not bots, system or connector users) the account has. */
  readonly people: number;
}

const names = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'wonka', 'stark', 'wayne', 'tyrell', 'cyberdyne',
  'soylent', 'aperture', 'nakatomi', 'oscorp', 'gringotts', 'monarch', 'dunder', 'pied-piper', 'massive-dynamic',
];
const regions = ['de', 'eu', 'us', 'uk', 'pl'];

/** Share of an account's size held by uploaded files; the rest is database rows. */
export const fileShare = 0.25;

/** The largest account is ten times the smallest; weights fall geometrically between them. */
export function tenantWeights(count: number): number[] {
  if (count === 1) return [1];
  return Array.from({ length: count }, (_, i) => 10 ** (1 - i / (count - 1)));
}

export function editionFor(people: number): Edition {
  if (people <= 5) return { code: 'basic', userLimit: 5 };
  if (people <= 50) return { code: 'standard', userLimit: 50 };
  if (people <= 100) return { code: 'professional', userLimit: 100 };
  return { code: 'enterprise', userLimit: Math.ceil(people / 250) * 250 };
}

/** People per account grow with the square root of its size: large accounts hold more history per person. */
export function peopleFor(rowBytes: number): number {
  return Math.max(6, Math.round(Math.sqrt(rowBytes / 2000)));
}

export function planTenants(options: GeneratorOptions): TenantPlan[] {
  const weights = tenantWeights(options.tenants);
  const total = weights.reduce((a, b) => a + b, 0);
  const rng = new Random(options.seed, 'tenants');
  return weights.map((weight, index) => {
    const name = index < names.length ? (names[index] as string) : `${names[index % names.length]}-${Math.floor(index / names.length) + 1}`;
    const host = `${name}.cloud.example`;
    const bytes = (options.size * weight) / total;
    const rowBytes = bytes * (1 - fileShare);
    const people = peopleFor(rowBytes);
    return {
      index,
      id: index + 1,
      name,
      host,
      address: `https://${host}`,
      title: `${name.charAt(0).toUpperCase()}${name.slice(1)} ${rng.pick(['GmbH', 'AG', 'Ltd.', 'Inc.'])}`,
      region: rng.pick(regions),
      edition: editionFor(people),
      autoRenew: rng.chance(0.7),
      rentedNumbers: index % 3 === 1 ? rng.int(1, 3) : 0,
      rowBytes,
      fileBytes: bytes * fileShare,
      people,
    };
  });
}
