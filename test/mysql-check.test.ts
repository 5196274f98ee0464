import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bool, bytes, char, date, int16, int32, int64, json, numeric, text, timestamp, timestamptz, varchar, type Column, type ColumnType } from '../src/core/schema.js';
import { fieldFits, fieldProblem, lineFits, lineProblems } from '../src/engine/mysql/check.js';

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ['0', '1', '9', '00', '12', '31', '32', '13', '99', '-', '.', ' ', ':', '+00', '+01', '\\N', '\\\\', '\\t', '\\x', '\\101', 'é', '😀', 'a', 'f', 't', 'x', 'ff', 'G', '\t', '0999', '1000', '9999', '10000', '2024-02-29', '1999-12-31 23:59:59', '.123456', '.1234567', 'NaN', '32767', '32768', '2147483648', '9223372036854775807', '9223372036854775808'];

function field(next: () => number): string {
  let out = '';
  const count = Math.floor(next() * 4) + 1;
  for (let i = 0; i < count; i++) out += pieces[Math.floor(next() * pieces.length)]!;
  return out;
}

const types: ColumnType[] = [int16(), int32(), int64(), numeric(12, 2), numeric(5, 0), char(3), varchar(5), varchar(20), text(), json(), bool(), date(), timestamp(), timestamptz(), bytes()];

test('B5 the byte-level value check never passes a value the exact check refuses (200,000 generated fields)', () => {
  const next = random(20261130);
  let fast = 0;
  for (let n = 0; n < 200_000; n++) {
    const type = types[n % types.length]!;
    const column: Column = { name: 'c', type, nullable: next() < 0.5 };
    const value = field(next);
    const data = Buffer.from(value, 'utf8');
    if (!fieldFits(column, data, 0, data.length)) continue;
    fast++;
    assert.equal(fieldProblem(column, value), undefined, `${type.kind}${column.nullable ? ' null' : ''} ${JSON.stringify(value)} passed the fast check`);
  }
  // The generator must also reach the fast path, or the test proves nothing.
  assert.ok(fast > 20_000, `only ${fast} fields took the fast path`);
});

test('B5 the byte-level check passes the common values of every type, and a line with a missing or extra field goes to the exact check', () => {
  const columns: Column[] = [
    { name: 'id', type: int64(), nullable: false },
    { name: 'small', type: int16(), nullable: false },
    { name: 'amount', type: numeric(12, 2), nullable: true },
    { name: 'code', type: char(3), nullable: true },
    { name: 'name', type: varchar(10), nullable: false },
    { name: 'active', type: bool(), nullable: false },
    { name: 'born', type: date(), nullable: true },
    { name: 'seen', type: timestamp(), nullable: true },
    { name: 'created', type: timestamptz(), nullable: false },
    { name: 'blob', type: bytes(), nullable: true },
    { name: 'body', type: text(), nullable: true },
  ];
  const good = '123456789012345678\t-32\t-1234567890.12\tEUR\tü\\tx\tt\t1000-01-01\t2019-01-27 16:21:17.63315\t2019-01-27 16:21:17+00\t\\\\x00ff\tany\\ttext';
  const at = (line: string): [Buffer, number, number] => {
    const data = Buffer.from(`${line}\n${line}\n`);
    return [data, 0, data.indexOf(10)];
  };
  assert.equal(lineFits(columns, ...at(good)), true);
  assert.deepEqual(lineProblems('t', columns, good, 1), []);
  for (const bad of [good.replace('\tany\\ttext', ''), `${good}\textra`, good.replace('1000-01-01', '0999-12-31'), good.replace('\tt\t', '\tx\t'), good.replace('+00', '+01')]) {
    assert.equal(lineFits(columns, ...at(bad)), false, bad);
    assert.notDeepEqual(lineProblems('t', columns, bad, 1), [], bad);
  }
});
