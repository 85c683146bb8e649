// Where a listing request spends its time, from a bench/phase-trace.cjs trace (issue 18). For the requests that
// arrived in a run's measured window: the server-side time (arrival → last byte to the kernel) split into phases,
// averaged over the median band (p45–p55) and over the slowest 1%, plus the event-loop delay and GC in the window,
// and the gap on each connection between one response's last byte and the next request's arrival (the client's
// read of the body, its next send, and the server's loop picking it up).
import fs from 'node:fs';
import { percentile } from './support.mjs';

/** Phase durations (ms) of one traced request, in the order they happen. */
function phasesOf(request) {
  const phases = {};
  let cursor = request.arrive;
  const step = (name, at) => {
    if (at === undefined) return;
    phases[name] = (phases[name] ?? 0) + Math.max(0, at - cursor);
    cursor = Math.max(cursor, at);
  };
  request.checkouts.forEach((checkout, i) => {
    step(i === 0 ? 'before 1st query' : `between queries`, checkout.asked);
    step(`pool wait #${i + 1}`, checkout.got);
    const query = request.queries[i];
    if (query) {
      step(`pool got → sent #${i + 1}`, query.sent);
      step(`query #${i + 1}`, query.done);
    }
  });
  const json = request.stringify[0];
  if (json) {
    step('last query → stringify', json.start);
    step('stringify', json.end);
  }
  step('→ res.end', request.end);
  step('res.end → finish', request.finish);
  return phases;
}

/**
 * The phase report of one run (`window` from bench/support.mjs load()); `clientSockets` are the load generator's
 * connections ({ created, connected, port, firstData }, epoch ms), joined to the server's by port.
 */
export function phaseReport(traceFile, window, clientSockets = []) {
  const trace = JSON.parse(fs.readFileSync(traceFile, 'utf8'));
  // The run's connections: opened from 5 s before the measured window (the warm-up) to its end.
  const runPorts = new Set(trace.requests.filter((r) => r.arrive >= window.from - 6000 && r.arrive <= window.to).map((r) => r.port));
  const opened = clientSockets.filter((c) => c.created >= window.from - 6000 && c.created <= window.to && runPorts.has(c.port));
  const accepted = new Map(trace.connections.filter(([, t]) => t >= window.from - 6000).map(([port, t]) => [port, t]));
  const firstArrival = new Map();
  for (const r of trace.requests) if (!firstArrival.has(r.port) || firstArrival.get(r.port) > r.arrive) firstArrival.set(r.port, r.arrive);
  const spread = (values) => {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    return { p50: Math.round(percentile(sorted, 50)), max: Math.round(sorted.at(-1) ?? NaN) };
  };
  const t0 = Math.min(...opened.map((c) => c.created));
  const connectionSetup = opened.length
    ? {
        connections: opened.length,
        'created → connected (client)': spread(opened.map((c) => c.connected - c.created)),
        'created → accepted (server)': spread(opened.map((c) => accepted.get(c.port) - c.created)),
        'accepted → 1st request (server)': spread(opened.map((c) => firstArrival.get(c.port) - accepted.get(c.port))),
        'run start → 1st request': spread(opened.map((c) => firstArrival.get(c.port) - t0)),
      }
    : null;
  const inWindow = trace.requests.filter((r) => r.finish && r.arrive >= window.from && r.arrive <= window.to);
  if (!inWindow.length) return null;
  const total = (r) => r.finish - r.arrive;
  const sorted = [...inWindow].sort((a, b) => total(a) - total(b));
  const band = (from, to) => sorted.slice(Math.floor((from / 100) * sorted.length), Math.max(Math.floor((from / 100) * sorted.length) + 1, Math.ceil((to / 100) * sorted.length)));
  const mean = (requests) => {
    const sums = {};
    for (const request of requests) for (const [name, ms] of Object.entries(phasesOf(request))) sums[name] = (sums[name] ?? 0) + ms;
    const out = {};
    for (const [name, ms] of Object.entries(sums)) out[name] = Math.round(ms / requests.length);
    out['server total'] = Math.round(requests.reduce((s, r) => s + total(r), 0) / requests.length);
    return out;
  };
  // Gap on a connection between a response's last byte to the kernel and the next request's arrival.
  const byPort = new Map();
  for (const r of trace.requests) byPort.set(r.port, [...(byPort.get(r.port) ?? []), r]);
  const gaps = [];
  for (const list of byPort.values()) {
    list.sort((a, b) => a.arrive - b.arrive);
    for (let i = 1; i < list.length; i++) if (list[i].arrive >= window.from && list[i].arrive <= window.to && list[i - 1].finish) gaps.push(list[i].arrive - list[i - 1].finish);
  }
  gaps.sort((a, b) => a - b);
  const lags = trace.loopLag.filter(([t]) => t >= window.from && t <= window.to).map(([, lag]) => lag).sort((a, b) => a - b);
  const gcInWindow = trace.gc.filter(([t]) => t >= window.from && t <= window.to);
  const seconds = (window.to - window.from) / 1000;
  const totals = sorted.map(total);
  const poolWaitingAtAsk = (requests, i) => Math.round(requests.reduce((s, r) => s + (r.checkouts[i]?.waiting ?? 0), 0) / requests.length);
  return {
    requests: sorted.length,
    connectionSetup,
    serverTotal: { p50: Math.round(percentile(totals, 50)), p99: Math.round(percentile(totals, 99)), max: Math.round(totals.at(-1)) },
    phases: { 'median band (p45–p55)': mean(band(45, 55)), 'slowest 1%': mean(band(99, 100)) },
    poolQueueAtCheckout: {
      'median band #1': poolWaitingAtAsk(band(45, 55), 0),
      'median band #2': poolWaitingAtAsk(band(45, 55), 1),
      'slowest 1% #1': poolWaitingAtAsk(band(99, 100), 0),
      'slowest 1% #2': poolWaitingAtAsk(band(99, 100), 1),
    },
    connectionGap: { p50: Math.round(percentile(gaps, 50)), p99: Math.round(percentile(gaps, 99)), max: Math.round(gaps.at(-1) ?? NaN) },
    loopDelay: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) },
    gc: { pauses: gcInWindow.length, 'ms per s': Math.round(gcInWindow.reduce((s, [, d]) => s + d, 0) / seconds), 'longest ms': Math.max(0, ...gcInWindow.map(([, d]) => d)) },
  };
}

/** Prints a run's report as tables. */
export function printPhaseReport(name, report) {
  if (!report) return console.log(`\n${name}: no traced request in the window`);
  console.log(`\n${name}: ${report.requests} requests traced; server-side ms ${JSON.stringify(report.serverTotal)}; pool queue length at checkout ${JSON.stringify(report.poolQueueAtCheckout)}`);
  console.log(`  connection gap (last byte → next arrival) ms ${JSON.stringify(report.connectionGap)}; event-loop delay ms ${JSON.stringify(report.loopDelay)}; GC ${JSON.stringify(report.gc)}`);
  console.table(report.phases);
  if (report.connectionSetup) console.table(report.connectionSetup);
}
