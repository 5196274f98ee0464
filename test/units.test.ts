import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUnits, groupUnits } from '../src/build/units.js';

test('B7 a build splits into volume groups in archive order: head first, tables, file ranges, kernel, the exclusion ledger last; nothing lost, nothing twice', () => {
  const plan = { tables: [{ table: 'a', estimatedBytes: 40 }, { table: 'b', estimatedBytes: 250 }, { table: 'c', estimatedBytes: 30 }, { table: 'd', estimatedBytes: 30 }] };
  const files = [60, 60, 60, 10, 5];
  const units = buildUnits(plan, files, 20, 100);
  assert.deepEqual(units.map((u) => u.unit), [
    { kind: 'head' }, { kind: 'table', table: 'a' }, { kind: 'table', table: 'b' }, { kind: 'table', table: 'c' }, { kind: 'table', table: 'd' },
    { kind: 'files', from: 0, to: 2 }, { kind: 'files', from: 2, to: 5 }, { kind: 'kernel' }, { kind: 'ledger' },
  ]);
  const groups = groupUnits(units, 100);
  assert.deepEqual(groups.map((g) => g.ordinal), groups.map((_, i) => i), 'ordinals are the volume numbers, without gaps');
  assert.deepEqual(groups.flatMap((g) => g.units), units.map((u) => u.unit), 'every unit once, in order');
  assert.deepEqual(groups[0]!.units, [{ kind: 'head' }, { kind: 'table', table: 'a' }]);
  assert.deepEqual(groups[1]!.units, [{ kind: 'table', table: 'b' }], 'a table larger than a volume is a volume of its own');
  for (const g of groups) assert.ok(g.units.length === 1 || g.bytes <= 100, `group ${g.ordinal} holds ${g.bytes} bytes`);
  assert.equal(groupUnits(buildUnits({ tables: [] }, [], 0, 100), 100).length, 1, 'an empty account is one volume (the head, the kernel and the ledger)');
});
