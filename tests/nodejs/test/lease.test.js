'use strict';
// Leases: grant, attach keys, keepalive, revoke, and expiry.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EtcdLeaseInvalidError } = require('etcd3');
const { client, prefix, sleep, eventually, once } = require('./common');

test('lease', { timeout: 90000 }, async t => {
  const etcd = client();
  t.after(() => etcd.close());

  await t.test('grant, attach a key, keepalive keeps it past the TTL, revoke deletes it', async () => {
    const p = prefix('lease-keep');
    const lease = etcd.lease(3);
    const lost = [];
    lease.on('lost', err => lost.push(err));
    const id = await lease.grant();
    assert.match(id, /^[0-9]+$/);
    await lease.put(`${p}a`).value('held');
    await lease.put(`${p}b`).value('held too');
    const kv = (await etcd.get(`${p}a`).exec()).kvs[0];
    assert.equal(kv.lease, id);

    const res = await lease.keepaliveOnce();
    assert.equal(res.ID, id);
    assert.ok(Number(res.TTL) >= 2 && Number(res.TTL) <= 3, `TTL ${res.TTL}`);

    // etcd3 refreshes the lease every TTL/3; more than two TTLs later the keys are still there.
    await once(lease, 'keepaliveSucceeded', 5000, 'an automatic keepalive');
    await sleep(7000);
    assert.deepEqual(lost, []);
    assert.equal(await etcd.get(`${p}a`).string(), 'held');
    assert.equal(await etcd.get(`${p}b`).string(), 'held too');

    await lease.revoke();
    assert.equal(lease.revoked(), true);
    assert.equal(await etcd.get(`${p}a`).string(), null);
    assert.equal(await etcd.get(`${p}b`).string(), null);
  });

  await t.test('without keepalives the lease expires and its key is deleted', async () => {
    const p = prefix('lease-expire');
    // autoKeepAlive false: etcd3 sends no keepalives; the server must expire the lease.
    const lease = etcd.lease(2, { autoKeepAlive: false });
    const id = await lease.grant();
    await lease.put(`${p}k`).value('short-lived');
    await etcd.put(`${p}plain`).value('stays');
    assert.equal(await etcd.get(`${p}k`).string(), 'short-lived');
    const start = Date.now();
    await eventually(async () => (await etcd.get(`${p}k`).string()) === null, 15000, 'the key to expire');
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 1000, `expired after ${elapsed} ms, before its TTL`);
    assert.equal(await etcd.get(`${p}plain`).string(), 'stays');
    // The lease is gone: a keepalive for it answers TTL 0, which etcd3 reports as invalid.
    await assert.rejects(() => lease.keepaliveOnce(), EtcdLeaseInvalidError);
    assert.match(id, /^[0-9]+$/);
  });

  await t.test('a put with an unknown lease is rejected and writes nothing', async () => {
    const p = prefix('lease-unknown');
    await assert.rejects(
      () => etcd.put(`${p}k`).value('v').lease('123456789').exec(),
      err => /lease not found/.test(err.message),
    );
    assert.equal(await etcd.get(`${p}k`).string(), null);
  });
});
