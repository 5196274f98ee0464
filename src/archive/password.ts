import { randomBytes } from 'node:crypto';

/**
 * Archive passwords. A generated one carries 150 random bits (30 characters of a 32-letter alphabet), so the
 * scrypt work factor can stay low: guessing is hopeless either way, and a low factor keeps
 * decryption memory small. A password a person chose gets age's default work factor.
 */
const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';

export const generatedScryptLogN = 10;
export const chosenScryptLogN = 18;

export function generatePassword(): string {
  const bytes = randomBytes(30);
  let out = '';
  for (const byte of bytes) out += alphabet[byte & 31];
  return out.match(/.{1,5}/g)!.join('-');
}
