import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lanes } from '../src/restore/lanes.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('R4 B4 lanes run at most their count of jobs at once, each on a lane of its own', async () => {
  let running = 0;
  let most = 0;
  const busy = new Set<number>();
  await Lanes.run(2, Array.from({ length: 7 }, (_, i) => async (lane: number) => {
    assert.ok(!busy.has(lane), `lane ${lane} is not given two jobs at once`);
    busy.add(lane);
    most = Math.max(most, ++running);
    await tick(5 + (i % 3) * 5);
    running--;
    busy.delete(lane);
  }));
  assert.equal(most, 2);
});

test('R4 after the first failure no job starts, the running ones end, and drain throws that failure', async () => {
  const lanes = new Lanes(2);
  const started: number[] = [];
  let slowEnded = false;
  await lanes.start(async () => {
    started.push(0);
    await tick(30);
    slowEnded = true;
  });
  await lanes.start(async () => {
    started.push(1);
    throw new Error('part 1 failed');
  });
  await tick(1);
  assert.equal(lanes.failed, true);
  await assert.rejects(lanes.start(async () => void started.push(2)), /part 1 failed/);
  await assert.rejects(lanes.drain(), /part 1 failed/);
  assert.equal(slowEnded, true, 'drain waited for the job still running');
  assert.deepEqual(started, [0, 1]);
});
