'use strict';
// Locks with etcd3's client-side mutex (client.lock(name)): a lease-bound key
// created with a Create == 0 compare. Acquire fails with EtcdLockFailedError
// while someone else holds the lock, so contenders retry.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EtcdLockFailedError } = require('etcd3');
const { client, prefix, sleep } = require('./common');

// Retries acquire() until it succeeds; returns the held Lock.
async function acquireWithRetry(etcd, name, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await etcd.lock(name).ttl(10).acquire();
    } catch (err) {
      if (!(err instanceof EtcdLockFailedError) || Date.now() > deadline) throw err;
      await sleep(20 + Math.random() * 30);
    }
  }
}

test('lock', { timeout: 90000 }, async t => {
  const a = client();
  const b = client();
  t.after(() => {
    a.close();
    b.close();
  });

  await t.test('the second contender acquires only after the first releases', async () => {
    const name = prefix('lock-two') + 'mutex';
    const first = await a.lock(name).ttl(10).acquire();
    // While held, the lock key exists with the holder's lease, and b cannot take it.
    const held = (await a.get(name).exec()).kvs[0];
    assert.equal(held.lease, await first.leaseId());
    await assert.rejects(() => b.lock(name).ttl(10).acquire(), EtcdLockFailedError);

    let secondAt = 0;
    let releasedAt = 0;
    const second = acquireWithRetry(b, name, 20000).then(lock => {
      secondAt = Date.now();
      return lock;
    });
    await sleep(700);
    assert.equal(secondAt, 0, 'the second contender must still be waiting');
    releasedAt = Date.now();
    await first.release();
    const lock2 = await second;
    assert.ok(secondAt >= releasedAt, 'acquired after the release');
    const now = (await b.get(name).exec()).kvs[0];
    assert.equal(now.lease, await lock2.leaseId());
    assert.notEqual(now.lease, held.lease);
    await lock2.release();
    assert.equal(await a.get(name).string(), null);
  });

  await t.test('mutual exclusion: a read-modify-write counter under the lock loses no update', async () => {
    const p = prefix('lock-counter');
    const name = `${p}mutex`;
    const counterKey = `${p}counter`;
    await a.put(counterKey).value('0');
    const clients = [a, b, client()];
    t.after(() => clients[2].close());
    const perWorker = 8;
    let inside = 0;
    let maxInside = 0;
    const worker = async etcd => {
      for (let i = 0; i < perWorker; i++) {
        const lock = await acquireWithRetry(etcd, name, 30000);
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        try {
          // A deliberately racy read-modify-write: only the lock keeps it correct.
          const n = Number(await etcd.get(counterKey).string());
          await sleep(5);
          await etcd.put(counterKey).value(String(n + 1));
        } finally {
          inside -= 1;
          await lock.release();
        }
      }
    };
    await Promise.all(clients.map(worker));
    assert.equal(maxInside, 1, 'never two holders at once');
    assert.equal(await a.get(counterKey).string(), String(clients.length * perWorker));
  });

  await t.test('lock.do() releases the lock when the function throws', async () => {
    const name = prefix('lock-do') + 'mutex';
    await assert.rejects(
      () =>
        a.lock(name).do(async () => {
          assert.notEqual(await a.get(name).string(), null);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(await a.get(name).string(), null);
    const again = await b.lock(name).ttl(5).acquire();
    await again.release();
  });

  await t.test('a lock whose holder stops keeping its lease alive is freed by expiry', async () => {
    const name = prefix('lock-expire') + 'mutex';
    const held = await a.lock(name).ttl(2).acquire();
    // Simulate a crashed holder: stop its keepalives without revoking.
    held.lease.release();
    const start = Date.now();
    const taken = await acquireWithRetry(b, name, 15000);
    assert.ok(Date.now() - start >= 1000, 'not before the lease TTL');
    await taken.release();
  });
});
