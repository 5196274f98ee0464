import path from 'node:path';
import { trustedKeys } from '../core/keystore.js';

/**
 * Where the vendor's keys live and which public keys an archive or a license may be signed
 * with. Kept apart from the commands, so that `restore` does not load the vendor's commands.
 */
export function vendorDir(home: string): string {
  return path.join(home, 'vendor');
}

/** Keys an archive may be signed with: the vendor's own, and those placed in the trust folder. */
export async function trustedVendorKeys(home: string): Promise<Awaited<ReturnType<typeof trustedKeys>>> {
  return trustedKeys([vendorDir(home), path.join(home, 'trusted-keys')], 'signing-key');
}

/** Keys a license may be signed with: the vendor's own license key, and those placed in the trust folder. */
export async function trustedLicenseKeys(home: string): Promise<Awaited<ReturnType<typeof trustedKeys>>> {
  return trustedKeys([vendorDir(home), path.join(home, 'trusted-keys')], 'license-key');
}
