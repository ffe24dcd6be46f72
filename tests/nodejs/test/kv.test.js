'use strict';
// KV: put, get, delete and prefix ranges through etcd3's builders.
const test = require('node:test');
const assert = require('node:assert/strict');
const { client, hosts, prefix } = require('./common');

test('kv', { timeout: 60000 }, async t => {
  const etcd = client();
  t.after(() => etcd.close());
  const p = prefix('kv');

  await t.test('put then get returns the value, missing keys are null', async () => {
    const put = await etcd.put(`${p}a`).value('alpha').exec();
    assert.ok(Number(put.header.revision) > 0);
    assert.equal(await etcd.get(`${p}a`).string(), 'alpha');
    assert.equal(await etcd.get(`${p}missing`).string(), null);
    const buf = await etcd.get(`${p}a`).buffer();
    assert.ok(Buffer.isBuffer(buf));
    assert.equal(buf.toString(), 'alpha');
  });

  await t.test('overwrite bumps version and mod revision, keeps create revision', async () => {
    await etcd.put(`${p}v`).value('1').exec();
    const first = (await etcd.get(`${p}v`).exec()).kvs[0];
    await etcd.put(`${p}v`).value('2').exec();
    const second = (await etcd.get(`${p}v`).exec()).kvs[0];
    assert.equal(second.value.toString(), '2');
    assert.equal(first.version, '1');
    assert.equal(second.version, '2');
    assert.equal(second.create_revision, first.create_revision);
    assert.ok(Number(second.mod_revision) > Number(first.mod_revision));
  });

  await t.test('put with prevKv returns the previous value', async () => {
    await etcd.put(`${p}prev`).value('old').exec();
    const res = await etcd.put(`${p}prev`).value('new').getPrevious();
    assert.equal(res.value.toString(), 'old');
  });

  await t.test('prefix range, count, limit, sort and keys-only', async () => {
    const q = `${p}range/`;
    for (const k of ['c', 'a', 'b', 'd']) await etcd.put(`${q}${k}`).value(`v-${k}`);
    await etcd.put(`${p}rangeX`).value('outside');
    assert.deepEqual(await etcd.getAll().prefix(q).strings(), {
      [`${q}a`]: 'v-a',
      [`${q}b`]: 'v-b',
      [`${q}c`]: 'v-c',
      [`${q}d`]: 'v-d',
    });
    assert.equal(await etcd.getAll().prefix(q).count(), 4);
    assert.deepEqual(await etcd.getAll().prefix(q).sort('Key', 'Descend').limit(2).keys(), [`${q}d`, `${q}c`]);
    const limited = await etcd.getAll().prefix(q).limit(2).exec();
    assert.equal(limited.kvs.length, 2);
    assert.equal(limited.more, true);
    assert.equal(limited.count, '4');
    const keysOnlyQuery = etcd.getAll().prefix(q);
    keysOnlyQuery.request.keys_only = true; // what .keys() sends; check the values are left out
    const keysOnly = await keysOnlyQuery.exec();
    assert.equal(keysOnly.kvs.length, 4);
    for (const kv of keysOnly.kvs) assert.equal(kv.value.length, 0);
    const ranged = await etcd.getAll().inRange({ start: `${q}b`, end: `${q}d` }).keys();
    assert.deepEqual(ranged, [`${q}b`, `${q}c`]);
  });

  await t.test('delete a key and a prefix', async () => {
    const q = `${p}del/`;
    for (const k of ['x', 'y', 'z']) await etcd.put(`${q}${k}`).value(k);
    const one = await etcd.delete().key(`${q}x`).exec();
    assert.equal(one.deleted, '1');
    assert.equal(await etcd.get(`${q}x`).string(), null);
    const prev = await etcd.delete().prefix(q).getPrevious();
    assert.deepEqual(prev.map(kv => kv.key.toString()).sort(), [`${q}y`, `${q}z`]);
    assert.equal(await etcd.getAll().prefix(q).count(), 0);
    const none = await etcd.delete().key(`${q}x`).exec();
    assert.equal(none.deleted, '0');
  });

  await t.test('a write through one member is read through every member', async () => {
    await etcd.put(`${p}everywhere`).value('yes');
    for (const host of hosts) {
      const single = client({ hosts: [host] });
      try {
        assert.equal(await single.get(`${p}everywhere`).string(), 'yes', host);
        // After a linearizable read through this member it has applied the put.
        assert.equal(await single.get(`${p}everywhere`).serializable(true).string(), 'yes', host);
      } finally {
        single.close();
      }
    }
  });

  await t.test('range at an older revision sees the old value', async () => {
    const r1 = await etcd.put(`${p}hist`).value('one').exec();
    await etcd.put(`${p}hist`).value('two').exec();
    const old = await etcd.get(`${p}hist`).revision(r1.header.revision).string();
    assert.equal(old, 'one');
    assert.equal(await etcd.get(`${p}hist`).string(), 'two');
  });
});
