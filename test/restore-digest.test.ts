import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowDigest } from '../src/restore/digest.js';

const rows = Array.from({ length: 5000 }, (_, i) => `${i}\ttext ${'é'.repeat(i % 7)}\t\\N\t${'x'.repeat(i % 13)}`);

function digestOf(lines: readonly string[], chunk: number): { rows: number; digest: string } {
  const d = new RowDigest();
  const data = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  for (let i = 0; i < data.length; i += chunk) d.update(data.subarray(i, i + chunk));
  return { digest: d.digest(), rows: d.rows };
}

test('R3 the reconcile digest counts rows and ignores their order and where chunks split them', () => {
  const a = digestOf(rows, 4096);
  assert.equal(a.rows, rows.length);
  assert.deepEqual(digestOf([...rows].reverse(), 7), a);
  assert.deepEqual(digestOf(rows, 1), a);
  assert.match(a.digest, /^[0-9a-f]{16}$/);
});

test('R3 the reconcile digest changes when one byte, one row or the split between two rows changes', () => {
  const base = digestOf(rows, 4096).digest;
  const flipped = [...rows];
  flipped[1234] = flipped[1234]!.replace('text', 'tExt');
  assert.notEqual(digestOf(flipped, 4096).digest, base);
  assert.notEqual(digestOf(rows.slice(1), 4096).digest, base);
  assert.notEqual(digestOf([...rows, rows[0]!], 4096).digest, base, 'a duplicated row');
  const joined = [...rows];
  joined.splice(10, 2, `${rows[10]}${rows[11]}`);
  assert.notEqual(digestOf(joined, 4096).digest, base);
  // Every single-bit flip of a short row changes its hash (no lane ignores a byte).
  const seen = new Set<string>();
  for (let bit = 0; bit < 8 * 11; bit++) {
    const bytes = Buffer.from('12\tabc\tdefg');
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    const d = new RowDigest();
    d.update(Buffer.concat([bytes, Buffer.from('\n')]));
    seen.add(d.digest());
  }
  assert.equal(seen.size, 88);
});
