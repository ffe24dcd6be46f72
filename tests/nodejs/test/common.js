'use strict';
// Shared helpers: clients for the cluster that run.sh started (endpoints and
// certificates come from the environment), unique key prefixes, polling.
const fs = require('node:fs');
const { Etcd3 } = require('etcd3');

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the suite with tests/nodejs/run.sh`);
  return value;
}

const hosts = env('STRATA_ENDPOINTS').split(',');
const credentials = {
  rootCertificate: fs.readFileSync(env('STRATA_CA')),
  certChain: fs.readFileSync(env('STRATA_CERT')),
  privateKey: fs.readFileSync(env('STRATA_KEY')),
};

// A client over all three members. `auth` is {username, password} or absent.
// Every unary call gets a deadline so that nothing can hang the suite.
function client(options = {}) {
  return new Etcd3({
    hosts: options.hosts || hosts,
    credentials,
    auth: options.auth,
    defaultCallOptions: ctx => (ctx.isStream ? {} : { deadline: Date.now() + 10000 }),
  });
}

// A prefix no other test (or earlier run against the same data) uses.
let counter = 0;
function prefix(name) {
  counter += 1;
  return `nodejs/${name}/${process.pid}-${Date.now()}-${counter}/`;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Polls fn() until it returns a truthy value or timeoutMs passes.
async function eventually(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// Resolves with the first emission of `event` on emitter, or rejects after timeoutMs.
function once(emitter, event, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what || event}`)), timeoutMs);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

module.exports = { client, hosts, prefix, sleep, eventually, once };
