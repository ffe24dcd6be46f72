'use strict';
// Watch: a prefix watcher sees puts and deletes in order, live and from a start revision.
const test = require('node:test');
const assert = require('node:assert/strict');
const { client, prefix, eventually } = require('./common');

// Collects every event of a watcher as {type, key, value, rev}.
function record(watcher) {
  const events = [];
  watcher.on('put', kv =>
    events.push({ type: 'put', key: kv.key.toString(), value: kv.value.toString(), rev: Number(kv.mod_revision) }),
  );
  watcher.on('delete', kv =>
    events.push({ type: 'delete', key: kv.key.toString(), value: kv.value.toString(), rev: Number(kv.mod_revision) }),
  );
  return events;
}

test('watch', { timeout: 60000 }, async t => {
  const etcd = client();
  const writer = client();
  t.after(() => {
    etcd.close();
    writer.close();
  });

  await t.test('a prefix watcher sees puts and deletes in order, and nothing outside the prefix', async () => {
    const p = prefix('watch-live');
    const watcher = await etcd.watch().prefix(p).create();
    const events = record(watcher);
    try {
      await writer.put(`${p}a`).value('1');
      await writer.put(`${p}b`).value('2');
      await writer.put(`${p}a`).value('3');
      await writer.put(`${p.slice(0, -1)}-outside`).value('no');
      await writer.delete().key(`${p}b`);
      await writer.if(`${p}c`, 'Create', '==', 0).then(writer.put(`${p}c`).value('4'), writer.delete().key(`${p}a`)).commit();
      await eventually(() => events.length >= 6, 10000, 'six watch events');
      assert.deepEqual(
        events.map(e => [e.type, e.key.slice(p.length), e.value]),
        [
          ['put', 'a', '1'],
          ['put', 'b', '2'],
          ['put', 'a', '3'],
          ['delete', 'b', ''],
          ['put', 'c', '4'],
          ['delete', 'a', ''],
        ],
      );
      for (let i = 1; i < events.length; i++) assert.ok(events[i].rev >= events[i - 1].rev, 'revisions ascend');
      assert.equal(events[4].rev, events[5].rev, 'one txn, one revision');
    } finally {
      await watcher.cancel();
    }
  });

  await t.test('a watcher from a start revision replays history first, then live events', async () => {
    const p = prefix('watch-history');
    const first = await writer.put(`${p}k`).value('v1').exec();
    const start = first.header.revision;
    await writer.put(`${p}k`).value('v2');
    await writer.delete().key(`${p}k`);
    await writer.put(`${p}other`).value('o1');

    const watcher = await etcd.watch().prefix(p).startRevision(start).create();
    const events = record(watcher);
    try {
      await eventually(() => events.length >= 4, 10000, 'four replayed events');
      await writer.put(`${p}k`).value('v3');
      await eventually(() => events.length >= 5, 10000, 'the live event');
      assert.deepEqual(
        events.map(e => [e.type, e.key.slice(p.length), e.value]),
        [
          ['put', 'k', 'v1'],
          ['put', 'k', 'v2'],
          ['delete', 'k', ''],
          ['put', 'other', 'o1'],
          ['put', 'k', 'v3'],
        ],
      );
      assert.equal(events[0].rev, Number(start));
      for (let i = 1; i < events.length; i++) assert.ok(events[i].rev > events[i - 1].rev, 'revisions ascend');
    } finally {
      await watcher.cancel();
    }
  });

  await t.test('withPreviousKV and only(delete) filters', async () => {
    const p = prefix('watch-filter');
    const watcher = await etcd.watch().prefix(p).only('delete').withPreviousKV().create();
    const seen = [];
    watcher.on('put', kv => seen.push(['put', kv.key.toString()]));
    watcher.on('delete', (kv, previous) => seen.push(['delete', kv.key.toString(), previous && previous.value.toString()]));
    try {
      await writer.put(`${p}x`).value('before-delete');
      await writer.delete().key(`${p}x`);
      await eventually(() => seen.length >= 1, 10000, 'the delete event');
      assert.deepEqual(seen, [['delete', `${p}x`, 'before-delete']]);
    } finally {
      await watcher.cancel();
    }
  });

  await t.test('after cancel, no more events arrive', async () => {
    const p = prefix('watch-cancel');
    const watcher = await etcd.watch().key(`${p}k`).create();
    const events = record(watcher);
    await writer.put(`${p}k`).value('1');
    await eventually(() => events.length === 1, 10000, 'the first event');
    await watcher.cancel();
    await writer.put(`${p}k`).value('2');
    await new Promise(resolve => setTimeout(resolve, 500));
    assert.equal(events.length, 1);
  });
});
