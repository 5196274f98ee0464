import { createPublicKey, verify } from 'node:crypto';
import { RepatriateError } from '../core/errors.js';
import { canonicalJson, signJson, type SigningKey } from '../core/signing.js';

/**
 * The telephony transfer request (P10): rented numbers and the telephony account are bound to the
 * license key, so the on-premise installation asks the vendor desk for them. The installation
 * signs the request with its own Ed25519 key (made once, kept in its data directory) and sends
 * the public key along; the desk verifies the signature before it looks at the license.
 */
export interface TelephonyTransferRequest {
  readonly v: 1;
  readonly licenseKey: string;
  readonly accountUrl: string;
  readonly installationUrl: string;
  readonly numbers: readonly string[];
  readonly certificateSha256: string;
  readonly createdAt: string;
}

export interface SignedTelephonyRequest {
  readonly request: TelephonyTransferRequest;
  /** Base64 SPKI DER of the installation's Ed25519 public key. */
  readonly publicKey: string;
  /** Base64 Ed25519 signature over canonicalJson(request). */
  readonly signature: string;
}

export function signTelephonyRequest(request: TelephonyTransferRequest, key: SigningKey): SignedTelephonyRequest {
  return {
    request,
    publicKey: (key.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64'),
    signature: signJson(request, key),
  };
}

export function verifyTelephonyRequest(signed: SignedTelephonyRequest): void {
  let valid = false;
  try {
    const key = createPublicKey({ key: Buffer.from(signed.publicKey, 'base64'), format: 'der', type: 'spki' });
    valid = key.asymmetricKeyType === 'ed25519' && verify(null, Buffer.from(canonicalJson(signed.request)), key, Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new RepatriateError('REPAT_SIGNATURE_INVALID', 'the telephony request is not signed by the key it names', {
      hint: 'sign canonicalJson(request) with the installation\'s Ed25519 key and send its public key as base64 SPKI DER',
    });
  }
}
