// Per-request phase timestamps for the listing benchmark (issue 18: where do the slowest full listings wait?).
// Preloaded into a server with `node --require bench/phase-trace.cjs` (bench/listing.mjs --trace does it for the app
// and the baseline alike); touches no product code. For each GET /tickets/... it records, on the server's clock:
// arrival ('request' event), every pg pool checkout (asked → got a connection) and query (sent → result parsed),
// JSON.stringify of the body, the first res.write/res.end, and 'finish' (the last byte handed to the kernel);
// plus event-loop delay samples and GC pauses. Written as JSON to $PHASE_TRACE_FILE on exit.
'use strict';
const { AsyncLocalStorage } = require('node:async_hooks');
const fs = require('node:fs');
const http = require('node:http');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const pg = require('pg');

const file = process.env.PHASE_TRACE_FILE;
const current = new AsyncLocalStorage();
const requests = [];
const connections = []; // [remote port, accepted at]
const loopLag = []; // [t, lag ms] every 20 ms
const gc = []; // [t, duration ms]
const now = () => performance.timeOrigin + performance.now(); // epoch ms, comparable across processes

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'connection') connections.push([req.remotePort, now()]);
  if (event !== 'request' || !req.url.startsWith('/tickets')) return emit.apply(this, arguments);
  const record = { url: req.url, conditional: Boolean(req.headers['if-none-match']), port: req.socket.remotePort, arrive: now(), checkouts: [], queries: [], stringify: [] };
  requests.push(record);
  for (const method of ['write', 'end']) {
    const original = res[method];
    res[method] = function () {
      record.firstWrite ??= now();
      if (method === 'end') record.end = now();
      return original.apply(this, arguments);
    };
  }
  res.once('finish', () => {
    record.finish = now();
    record.status = res.statusCode;
  });
  return current.run(record, () => emit.apply(this, arguments));
};

const connect = pg.Pool.prototype.connect;
pg.Pool.prototype.connect = function (callback) {
  const record = current.getStore();
  if (!record || typeof callback !== 'function') return connect.apply(this, arguments);
  const checkout = { asked: now(), waiting: this.waitingCount, idle: this.idleCount, total: this.totalCount };
  record.checkouts.push(checkout);
  return connect.call(this, function () {
    checkout.got = now();
    return callback.apply(this, arguments);
  });
};

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config) {
  const record = current.getStore();
  if (!record) return query.apply(this, arguments);
  const entry = { sql: String(typeof config === 'string' ? config : config?.text).replace(/\s+/g, ' ').trim().slice(0, 60), sent: now() };
  record.queries.push(entry);
  const done = () => (entry.done = now());
  const args = [...arguments];
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const callback = args[last];
    args[last] = function () {
      done();
      return callback.apply(this, arguments);
    };
    return query.apply(this, args);
  }
  const result = query.apply(this, args);
  if (result && typeof result.then === 'function') result.then(done, done);
  return result;
};

const stringify = JSON.stringify;
JSON.stringify = function () {
  const record = current.getStore();
  if (!record) return stringify.apply(this, arguments);
  const start = now();
  const out = stringify.apply(this, arguments);
  if (typeof out === 'string' && out.length > 10_000) record.stringify.push({ start, end: now(), chars: out.length });
  return out;
};

let expected = now() + 20;
setInterval(() => {
  const t = now();
  loopLag.push([Math.round(t), Math.round(t - expected)]);
  expected = t + 20;
}, 20).unref();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gc.push([Math.round(performance.timeOrigin + entry.startTime), Math.round(entry.duration * 10) / 10]);
}).observe({ entryTypes: ['gc'] });

process.on('exit', () => {
  if (file) fs.writeFileSync(file, stringify({ pid: process.pid, requests, connections, loopLag, gc }));
});
