import { RepatriateError } from '../core/errors.js';
import { manifestSchema, type Manifest } from './schema.js';

export function parseManifest(value: unknown, source = 'the manifest'): Manifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RepatriateError('REPAT_MANIFEST_INVALID', `${source} is invalid: ${problems}`, {
      hint: 'fix the manifest; every table needs a kind and every column a policy (copy, tenant, secret, derived, to)',
    });
  }
  return parsed.data;
}
