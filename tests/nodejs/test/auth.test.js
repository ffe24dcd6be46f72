'use strict';
// Auth: roles, users, key-range permissions, enabling and disabling auth,
// wrong passwords. Auth is cluster-wide, so run.sh runs this file on its own
// and the test always disables auth again.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EtcdAuthenticationFailedError, EtcdPermissionDeniedError } = require('etcd3');
const { client, prefix } = require('./common');

test('auth', { timeout: 90000 }, async t => {
  const admin = client();
  const p = prefix('auth');
  const rootPassword = `root-${process.pid}`;
  const role = `nodejs-app-${process.pid}`;
  const user = `nodejs-app-${process.pid}`;
  const password = 'correct horse battery staple';
  const clients = [admin];
  const open = options => {
    const c = client(options);
    clients.push(c);
    return c;
  };
  const root = open({ auth: { username: 'root', password: rootPassword } });
  let enabled = false;
  t.after(async () => {
    if (enabled) await root.auth.authDisable().catch(() => undefined);
    for (const c of clients) c.close();
  });

  await t.test('set up users, roles and permissions while auth is off', async () => {
    await admin.put(`${p}app/seed`).value('seed');
    await admin.put(`${p}ro/config`).value('read me');
    await admin.put(`${p}secret/x`).value('hidden');

    await admin.user('root').create(rootPassword);
    await admin.user('root').addRole('root');

    const r = await admin.role(role).create();
    await r.grant({ permission: 'Readwrite', range: admin.range({ prefix: `${p}app/` }) });
    await r.grant({ permission: 'Read', range: admin.range({ prefix: `${p}ro/` }) });
    const perms = await admin.role(role).permissions();
    assert.deepEqual(
      perms.map(x => [x.permission, x.range.start.toString(), x.range.end.toString()]).sort(),
      [
        ['Read', `${p}ro/`, `${p}ro0`],
        ['Readwrite', `${p}app/`, `${p}app0`],
      ],
    );
    await admin.user(user).create(password);
    await admin.user(user).addRole(role);
    const roles = await admin.user(user).roles();
    assert.deepEqual(
      roles.map(x => x.name),
      [role],
    );
    const users = (await admin.getUsers()).map(u => u.name);
    assert.ok(users.includes(user) && users.includes('root'), users.join(','));
  });

  await t.test('enable auth', async () => {
    await admin.auth.authEnable();
    enabled = true;
  });

  await t.test('the user reads and writes its range and is denied outside it', async () => {
    const app = open({ auth: { username: user, password } });
    assert.equal(await app.get(`${p}app/seed`).string(), 'seed');
    await app.put(`${p}app/k`).value('written by app');
    assert.equal(await app.get(`${p}app/k`).string(), 'written by app');
    assert.deepEqual(await app.getAll().prefix(`${p}app/`).keys(), [`${p}app/k`, `${p}app/seed`]);
    await app.delete().key(`${p}app/k`);
    assert.equal(await app.get(`${p}app/k`).string(), null);

    // Read-only range: reads pass, writes are denied.
    assert.equal(await app.get(`${p}ro/config`).string(), 'read me');
    await assert.rejects(() => app.put(`${p}ro/config`).value('overwritten').exec(), EtcdPermissionDeniedError);

    // Outside every granted range: reads, writes, deletes and txns are denied.
    await assert.rejects(() => app.get(`${p}secret/x`).string(), EtcdPermissionDeniedError);
    await assert.rejects(() => app.put(`${p}secret/x`).value('overwritten').exec(), EtcdPermissionDeniedError);
    await assert.rejects(() => app.delete().key(`${p}secret/x`).exec(), EtcdPermissionDeniedError);
    await assert.rejects(() => app.getAll().prefix(p).keys(), EtcdPermissionDeniedError);
    await assert.rejects(
      () =>
        app
          .if(`${p}app/seed`, 'Value', '==', 'seed')
          .then(app.put(`${p}secret/x`).value('via txn'))
          .commit(),
      EtcdPermissionDeniedError,
    );
    // Nothing was changed by the denied requests.
    assert.equal(await root.get(`${p}secret/x`).string(), 'hidden');
    assert.equal(await root.get(`${p}ro/config`).string(), 'read me');
    // The user may not administer auth.
    await assert.rejects(() => app.user('intruder').create('x'), EtcdPermissionDeniedError);
  });

  await t.test('a wrong password and a missing user are rejected', async () => {
    const wrong = open({ auth: { username: user, password: 'wrong password' } });
    await assert.rejects(() => wrong.get(`${p}app/seed`).string(), EtcdAuthenticationFailedError);
    const nobody = open({ auth: { username: `nobody-${process.pid}`, password } });
    await assert.rejects(() => nobody.get(`${p}app/seed`).string(), EtcdAuthenticationFailedError);
  });

  await t.test('without a password, the client certificate CN names the user (etcd --client-cert-auth)', async () => {
    const cn = process.env.STRATA_CERT_CN;
    assert.ok(cn, 'run.sh passes the client certificate common name in STRATA_CERT_CN');
    const byCert = open(); // no username or password: only the client certificate
    // No user of that name yet: denied, and nothing written.
    await assert.rejects(() => byCert.put(`${p}app/by-cert`).value('x').exec(), EtcdPermissionDeniedError);
    await assert.rejects(() => byCert.get(`${p}app/seed`).string(), EtcdPermissionDeniedError);
    assert.equal(await root.get(`${p}app/by-cert`).string(), null);

    await root.user(cn).create('never used');
    await root.user(cn).addRole(role);
    assert.equal(await byCert.get(`${p}ro/config`).string(), 'read me');
    await byCert.put(`${p}app/by-cert`).value('cert');
    assert.equal(await root.get(`${p}app/by-cert`).string(), 'cert');
    await assert.rejects(() => byCert.put(`${p}secret/x`).value('no').exec(), EtcdPermissionDeniedError);
    await assert.rejects(() => byCert.put(`${p}ro/config`).value('no').exec(), EtcdPermissionDeniedError);
    assert.equal(await root.get(`${p}secret/x`).string(), 'hidden');
  });

  await t.test('root sees everything; disabling auth opens the cluster again', async () => {
    assert.equal(await root.get(`${p}secret/x`).string(), 'hidden');
    await root.auth.authDisable();
    enabled = false;
    const after = open();
    assert.equal(await after.get(`${p}secret/x`).string(), 'hidden');
    await after.put(`${p}secret/x`).value('open again');
    assert.equal(await after.get(`${p}secret/x`).string(), 'open again');
  });
});
