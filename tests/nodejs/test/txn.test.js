'use strict';
// Transactions: if/then/else with compares on version, value, create and mod revision.
const test = require('node:test');
const assert = require('node:assert/strict');
const { client, prefix } = require('./common');

test('txn', { timeout: 60000 }, async t => {
  const etcd = client();
  t.after(() => etcd.close());
  const p = prefix('txn');

  await t.test('version compare: create-if-absent takes then once, else afterwards', async () => {
    const key = `${p}once`;
    const first = await etcd
      .if(key, 'Version', '===', 0)
      .then(etcd.put(key).value('first'))
      .else(etcd.get(key))
      .commit();
    assert.equal(first.succeeded, true);
    assert.equal(first.responses.length, 1);
    assert.ok(first.responses[0].response_put);
    assert.equal(await etcd.get(key).string(), 'first');

    const second = await etcd
      .if(key, 'Version', '===', 0)
      .then(etcd.put(key).value('second'))
      .else(etcd.get(key))
      .commit();
    assert.equal(second.succeeded, false);
    const kvs = second.responses[0].response_range.kvs;
    assert.equal(kvs.length, 1);
    assert.equal(kvs[0].value.toString(), 'first');
    assert.equal(await etcd.get(key).string(), 'first');
  });

  await t.test('value compare: compare-and-swap, both branches', async () => {
    const key = `${p}cas`;
    await etcd.put(key).value('A');
    const swap = await etcd
      .if(key, 'Value', '==', 'A')
      .then(etcd.put(key).value('B'), etcd.put(`${p}cas-log`).value('swapped'))
      .else(etcd.put(`${p}cas-log`).value('not swapped'))
      .commit();
    assert.equal(swap.succeeded, true);
    assert.equal(swap.responses.length, 2);
    assert.equal(await etcd.get(key).string(), 'B');
    assert.equal(await etcd.get(`${p}cas-log`).string(), 'swapped');

    const stale = await etcd
      .if(key, 'Value', '==', 'A')
      .then(etcd.put(key).value('C'))
      .else(etcd.put(`${p}cas-log`).value('not swapped'))
      .commit();
    assert.equal(stale.succeeded, false);
    assert.equal(await etcd.get(key).string(), 'B');
    assert.equal(await etcd.get(`${p}cas-log`).string(), 'not swapped');
  });

  await t.test('several compares are ANDed; version > and mod revision', async () => {
    const a = `${p}and-a`;
    const b = `${p}and-b`;
    await etcd.put(a).value('1');
    await etcd.put(a).value('2');
    const put = await etcd.put(b).value('x').exec();
    const mod = put.header.revision;

    const yes = await etcd
      .if(a, 'Version', '>', 1)
      .and(b, 'Mod', '==', mod)
      .and(b, 'Value', '!=', 'y')
      .then(etcd.delete().key(a))
      .else(etcd.put(`${p}and-else`).value('ran'))
      .commit();
    assert.equal(yes.succeeded, true);
    assert.equal(yes.responses[0].response_delete_range.deleted, '1');
    assert.equal(await etcd.get(a).string(), null);

    const no = await etcd
      .if(b, 'Value', '==', 'x')
      .and(b, 'Mod', '<', mod)
      .then(etcd.delete().key(b))
      .else(etcd.put(`${p}and-else`).value('ran'))
      .commit();
    assert.equal(no.succeeded, false);
    assert.equal(await etcd.get(b).string(), 'x');
    assert.equal(await etcd.get(`${p}and-else`).string(), 'ran');
  });

  await t.test('a txn is one revision', async () => {
    const res = await etcd
      .if(`${p}rev`, 'Create', '==', 0)
      .then(etcd.put(`${p}rev/1`).value('1'), etcd.put(`${p}rev/2`).value('2'))
      .commit();
    assert.equal(res.succeeded, true);
    const got = await etcd.getAll().prefix(`${p}rev/`).exec();
    assert.equal(got.kvs.length, 2);
    assert.equal(got.kvs[0].mod_revision, res.header.revision);
    assert.equal(got.kvs[1].mod_revision, res.header.revision);
  });

  await t.test('the software transactional memory (STM) commits atomic read-modify-writes', async () => {
    const key = `${p}stm-counter`;
    await etcd.put(key).value('0');
    const increments = 10;
    await Promise.all(
      Array.from({ length: increments }, () =>
        etcd.stm({ retries: 50 }).transact(async tx => {
          const n = Number(await tx.get(key).string());
          await tx.put(key).value(String(n + 1));
        }),
      ),
    );
    assert.equal(await etcd.get(key).string(), String(increments));
  });
});
