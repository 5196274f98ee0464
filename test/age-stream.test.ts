import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { PayloadSealer } from '../src/archive/age-payload.js';
import { ageDecrypt, ageStart } from '../src/archive/age-stream.js';
import { NativeScryptIdentity, NativeScryptRecipient } from '../src/archive/scrypt.js';

/** Plaintext sizes around the 64 KiB STREAM chunk boundary, where off-by-one errors live. */
const sizes = [0, 1, 65_535, 65_536, 65_537, 131_072, 1_000_003];

/** An age file as a volume's writer thread makes it: the header from ageStart, then the payload sealed piece by piece. */
async function encryptNative(plaintext: Buffer, recipients: Parameters<typeof ageStart>[0]): Promise<Buffer> {
  const { header, key } = await ageStart(recipients);
  const out: Buffer[] = [header];
  const sealer = new PayloadSealer(key, (ciphertext, tag) => out.push(ciphertext, tag));
  // Uneven pieces, so chunks both lie inside one input and span two.
  for (const piece of [plaintext.subarray(0, 1000), plaintext.subarray(1000, 70_000), plaintext.subarray(70_000)]) sealer.push(piece);
  sealer.end();
  return Buffer.concat(out);
}

async function decryptNative(file: Buffer, identity: Parameters<typeof ageDecrypt>[1]): Promise<Buffer> {
  return buffer(await ageDecrypt(Readable.from([file.subarray(0, 1000), file.subarray(1000)].filter((b) => b.length > 0)), identity));
}

describe('age payload with native ChaCha20-Poly1305 (B6 open format)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repat-age-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('B6 what we write, typage and Debian age read back byte for byte, at every chunk boundary', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const identityFile = path.join(dir, 'key.txt');
    writeFileSync(identityFile, `${identity}\n`);
    for (const size of sizes) {
      const plaintext = randomBytes(size);
      const file = await encryptNative(plaintext, [recipient]);
      const decrypter = new Decrypter();
      decrypter.addIdentity(identity);
      assert.deepEqual(Buffer.from(await decrypter.decrypt(file)), plaintext, `typage reads ${size} bytes`);
      const encrypted = path.join(dir, `native-${size}.age`);
      writeFileSync(encrypted, file);
      assert.deepEqual(execFileSync('age', ['--decrypt', '-i', identityFile, encrypted], { maxBuffer: 1 << 24 }), plaintext, `age reads ${size} bytes`);
    }
  });

  test('B6 what typage and Debian age write, we read back byte for byte', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    for (const size of sizes) {
      const plaintext = randomBytes(size);
      const encrypter = new Encrypter();
      encrypter.addRecipient(recipient);
      assert.deepEqual(await decryptNative(Buffer.from(await encrypter.encrypt(plaintext)), identity), plaintext, `typage file of ${size} bytes`);
      const plainFile = path.join(dir, `plain-${size}`);
      writeFileSync(plainFile, plaintext);
      const ageFile = execFileSync('age', ['--encrypt', '-r', recipient, plainFile], { maxBuffer: 1 << 24 });
      assert.deepEqual(await decryptNative(ageFile, identity), plaintext, `age file of ${size} bytes`);
    }
  });

  test('B6 the native scrypt recipient and identity agree with typage\'s passphrase mode both ways', async () => {
    const plaintext = randomBytes(70_000);
    const ours = await encryptNative(plaintext, [new NativeScryptRecipient('correct horse', 10)]);
    const decrypter = new Decrypter();
    decrypter.addPassphrase('correct horse');
    assert.deepEqual(Buffer.from(await decrypter.decrypt(ours)), plaintext);
    const encrypter = new Encrypter();
    encrypter.setPassphrase('correct horse');
    encrypter.setScryptWorkFactor(10);
    assert.deepEqual(await decryptNative(Buffer.from(await encrypter.encrypt(plaintext)), new NativeScryptIdentity('correct horse')), plaintext);
  });

  test('R4 a wrong passphrase, a flipped payload byte, a truncated or an extended file are refused', async () => {
    const plaintext = randomBytes(200_000);
    const file = await encryptNative(plaintext, [new NativeScryptRecipient('right', 10)]);
    await assert.rejects(decryptNative(file, new NativeScryptIdentity('wrong')), /no identity matched/);
    const flipped = Buffer.from(file);
    flipped[flipped.length - 70_000]! ^= 1;
    await assert.rejects(decryptNative(flipped, new NativeScryptIdentity('right')), /failed authentication/);
    // Cut exactly at a chunk boundary: every remaining chunk is intact, only the last-chunk flag tells.
    const headerAndNonce = file.length - (plaintext.length + 4 * 16);
    await assert.rejects(decryptNative(file.subarray(0, headerAndNonce + 2 * (65_536 + 16)), new NativeScryptIdentity('right')), /failed authentication|truncated/);
    await assert.rejects(decryptNative(file.subarray(0, file.length - 1), new NativeScryptIdentity('right')), /failed authentication|truncated/);
    await assert.rejects(decryptNative(Buffer.concat([file, Buffer.from('x')]), new NativeScryptIdentity('right')), /failed authentication|truncated/);
    await assert.rejects(decryptNative(file.subarray(0, 40), new NativeScryptIdentity('right')), /header/);
  });

  test('B4 the identity derives each file key once and reuses it for later passes over the archive', async () => {
    const first = await encryptNative(Buffer.from('one'), [new NativeScryptRecipient('pw', 12)]);
    const second = await encryptNative(Buffer.from('two'), [new NativeScryptRecipient('pw', 12)]);
    const identity = new NativeScryptIdentity('pw');
    for (let pass = 0; pass < 3; pass++) {
      assert.equal((await decryptNative(first, identity)).toString(), 'one');
      assert.equal((await decryptNative(second, identity)).toString(), 'two');
    }
    assert.equal(identity.derivations, 2, 'one scrypt per volume header, not per pass');
  });
  test('R4 the encrypted source is let go (its file closed) after a wrong password, a reader that stops early, a damaged payload and a full read', async () => {
    const identity = await generateX25519Identity();
    const file = await encryptNative(randomBytes(300_000), [await identityToRecipient(identity)]);
    const damaged = Buffer.from(file);
    damaged[damaged.length - 500]! ^= 1;
    /** A source that records whether its consumer returned it, as core/file-chunks.ts closes its file then. */
    const tracked = (data: Buffer) => {
      const state = { returned: false };
      const source = (async function* () {
        try {
          for (let at = 0; at < data.length; at += 4096) yield data.subarray(at, at + 4096);
        } finally {
          state.returned = true;
        }
      })();
      return { state, source };
    };
    const wrong = tracked(file);
    await assert.rejects(ageDecrypt(wrong.source, await generateX25519Identity()), /no identity matched/i);
    assert.equal(wrong.state.returned, true, 'after a wrong identity');

    const early = tracked(file);
    const stream = await ageDecrypt(early.source, identity);
    for await (const _ of stream) break;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(early.state.returned, true, 'after a reader that stopped at its first chunk');

    const broken = tracked(damaged);
    await assert.rejects(buffer(await ageDecrypt(broken.source, identity)), /failed authentication/);
    assert.equal(broken.state.returned, true, 'after a damaged payload');

    const whole = tracked(file);
    assert.equal((await buffer(await ageDecrypt(whole.source, identity))).length, 300_000);
    assert.equal(whole.state.returned, true, 'after a full read');
  });
});
