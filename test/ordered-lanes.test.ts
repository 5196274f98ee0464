import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { inOrder } from '../src/core/ordered-lanes.js';

/** A producer of `count` items named `<id>.<n>`, each after a delay, recording how many are alive at once. */
function producer(id: number, count: number, delayMs: number, log: { started: number[]; lanes: Set<number> }) {
  return async function* (lane: number): AsyncIterable<string> {
    log.started.push(id);
    log.lanes.add(lane);
    for (let n = 0; n < count; n++) {
      await sleep(delayMs);
      yield `${id}.${n}`;
    }
  };
}

test('B7 tables read on two lanes arrive in archive order, and the lanes overlap', async () => {
  const log = { started: [] as number[], lanes: new Set<number>() };
  const producers = [producer(0, 3, 5, log), producer(1, 4, 1, log), producer(2, 0, 1, log), producer(3, 2, 3, log)];
  const got: string[] = [];
  const started = performance.now();
  for await (const item of inOrder(producers, { lanes: 2, budget: 100, sizeOf: () => 1 })) got.push(item);
  assert.deepEqual(got, ['0.0', '0.1', '0.2', '1.0', '1.1', '1.2', '1.3', '3.0', '3.1']);
  assert.deepEqual(log.started, [0, 1, 2, 3]);
  assert.deepEqual([...log.lanes].sort(), [0, 1]);
  // Sequentially the delays add up to 15 + 4 + 6 ms; producer 1 ran while producer 0 did.
  assert.ok(performance.now() - started < 200);
});

test('B7 read-ahead stops at the budget while the current producer is slow', async () => {
  let aheadProduced = 0;
  let maxAheadWhileFirstRuns = 0;
  let firstDone = false;
  const first = async function* (): AsyncIterable<number> {
    for (let n = 0; n < 5; n++) {
      await sleep(10);
      maxAheadWhileFirstRuns = Math.max(maxAheadWhileFirstRuns, aheadProduced);
      yield 10;
    }
    firstDone = true;
  };
  const ahead = async function* (): AsyncIterable<number> {
    for (let n = 0; n < 100; n++) {
      if (!firstDone) aheadProduced++;
      yield 10;
    }
  };
  let total = 0;
  for await (const size of inOrder([first, ahead], { lanes: 2, budget: 30, sizeOf: (s) => s })) total += size;
  assert.equal(total, 1050);
  // Three items fill the budget of 30; one more may be over it before the producer waits.
  assert.ok(maxAheadWhileFirstRuns <= 4, `read ahead ${maxAheadWhileFirstRuns} items`);
  assert.ok(maxAheadWhileFirstRuns >= 3, `read ahead only ${maxAheadWhileFirstRuns} items`);
});

test('B7 a failing producer stops the others and its error reaches the consumer', async () => {
  let laterItems = 0;
  const failing = async function* (): AsyncIterable<string> {
    yield 'a';
    await sleep(5);
    throw new Error('the connection broke');
  };
  const endless = async function* (): AsyncIterable<string> {
    for (;;) {
      await sleep(1);
      laterItems++;
      yield 'b';
    }
  };
  const got: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const item of inOrder([failing, endless], { lanes: 2, budget: 1_000_000, sizeOf: () => 1 })) got.push(item);
    })(),
    /the connection broke/,
  );
  assert.deepEqual(got, ['a']);
  const after = laterItems;
  await sleep(20);
  assert.equal(laterItems, after, 'the other lane went on after the failure');
});

test('B7 a consumer that stops early ends every lane', async () => {
  let produced = 0;
  const endless = async function* (): AsyncIterable<number> {
    for (;;) {
      await sleep(1);
      yield ++produced;
    }
  };
  for await (const n of inOrder([endless, endless], { lanes: 2, budget: 10, sizeOf: () => 1 })) if (n >= 3) break;
  const after = produced;
  await sleep(20);
  assert.equal(produced, after);
});
