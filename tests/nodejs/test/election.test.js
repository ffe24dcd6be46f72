'use strict';
// Elections with etcd3's client-side implementation (client.election(name)).
const test = require('node:test');
const assert = require('node:assert/strict');
const { client, prefix, sleep, eventually, once } = require('./common');

test('election', { timeout: 90000 }, async t => {
  const a = client();
  const b = client();
  const watcher = client();
  t.after(() => {
    a.close();
    b.close();
    watcher.close();
  });

  await t.test('campaign, observe, a second candidate waits, resign hands over', async () => {
    const name = prefix('election').slice(0, -1);
    const observer = await watcher.election(name, 10).observe();
    const changes = [];
    observer.on('change', leader => changes.push(leader));
    try {
      assert.equal(observer.leader(), undefined);
      assert.equal(await watcher.election(name).leader(), undefined);

      const alice = a.election(name, 10).campaign('alice');
      await alice.wait();
      await eventually(() => observer.leader() === 'alice', 10000, 'the observer to see alice');
      assert.equal(await watcher.election(name).leader(), 'alice');

      const bob = b.election(name, 10).campaign('bob');
      let bobElected = false;
      bob.on('elected', () => {
        bobElected = true;
      });
      const bobWaiting = once(bob, '_isWaiting', 10000, 'bob to wait behind alice');
      await bobWaiting;
      await sleep(500);
      assert.equal(bobElected, false, 'bob must not lead while alice does');
      assert.equal(await watcher.election(name).leader(), 'alice');

      // alice proclaims a new value: still the leader, observers see it.
      await alice.proclaim('alice-2');
      await eventually(() => observer.leader() === 'alice-2', 10000, 'the proclaimed value');
      assert.equal(bobElected, false);

      const bobLeads = bob.wait();
      await alice.resign();
      await bobLeads;
      assert.equal(bobElected, true);
      await eventually(() => observer.leader() === 'bob', 10000, 'the observer to see bob');
      assert.equal(await watcher.election(name).leader(), 'bob');

      await bob.resign();
      await eventually(() => observer.leader() === undefined, 10000, 'no leader after both resign');
      assert.equal(await watcher.election(name).leader(), undefined);
      assert.deepEqual(changes.filter(c => c !== undefined), ['alice', 'alice-2', 'bob']);
    } finally {
      await observer.cancel();
    }
  });

  await t.test('a leader whose lease expires loses the election to the next candidate', async () => {
    const name = prefix('election-expiry').slice(0, -1);
    const first = a.election(name, 2).campaign('first');
    await first.wait();
    const second = b.election(name, 2).campaign('second');
    await once(second, '_isWaiting', 10000, 'second to wait');
    first.lease.release(); // the leader "crashes": no more keepalives
    const start = Date.now();
    await second.wait();
    assert.ok(Date.now() - start >= 1000, 'not before the TTL ran out');
    assert.equal(await watcher.election(name).leader(), 'second');
    await second.resign();
  });
});
