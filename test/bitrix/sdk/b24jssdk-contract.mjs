// Runs the official SDK (@bitrix24/b24jssdk, ES module) against a portal: its list, batch and rate-limit helpers.
// Started by b24jssdk-contract.e2e-spec.ts with B24_WEBHOOK_URL and NODE_EXTRA_CA_CERTS (the emulator's
// self-signed certificate); prints one JSON line with what the SDK returned.
import { B24Hook } from '@bitrix24/b24jssdk';

const url = process.env.B24_WEBHOOK_URL;
const burst = Number(process.env.B24_SDK_BURST ?? 50);
const drain = Number(process.env.B24_SDK_DRAIN ?? 2);
const b24 = B24Hook.fromWebhookUrl(url, { restrictionParams: { rateLimit: { burstLimit: burst, drainRate: drain, adaptiveEnabled: true }, maxRetries: 5, retryDelay: 500 } });
b24.offClientSideWarning();

const out = {};
const messages = (r) => (r.isSuccess ? [] : r.getErrorMessages());

// list helpers: callList (every row at once) and fetchList (page by page), both keyset paging on ID.
const all = await b24.actions.v2.callList.make({ method: 'crm.deal.list', params: { filter: { CATEGORY_ID: 19 }, select: ['ID', 'TITLE'] }, idKey: 'ID' });
out.callList = { ok: all.isSuccess, errors: messages(all), ids: (all.getData() ?? []).map((d) => Number(d.ID)) };
const pages = [];
for await (const page of b24.actions.v2.fetchList.make({ method: 'crm.deal.list', params: { filter: { CATEGORY_ID: 19 }, select: ['ID'] }, idKey: 'ID' })) {
  pages.push(page.length);
}
out.fetchList = { pages };

// batch with named commands, a reference to an earlier result and one failing command.
const batch = await b24.actions.v2.batch.make({
  calls: {
    deal: { method: 'crm.deal.get', params: { id: Number(process.env.B24_DEAL_ID) } },
    owner: { method: 'user.get', params: { ID: '$result[deal][ASSIGNED_BY_ID]' } },
    missing: { method: 'crm.deal.get', params: { id: 999999 } },
    missingComment: { method: 'crm.timeline.comment.get', params: { id: 999999 } },
  },
  options: { isHaltOnError: false, returnAjaxResult: true },
});
const rows = batch.getData() ?? {};
const rowOut = (r) => (r ? { ok: r.isSuccess, result: r.isSuccess ? r.getData().result : null, errors: r.isSuccess ? [] : r.getErrorMessages() } : null);
out.batch = { ok: batch.isSuccess, deal: rowOut(rows.deal), owner: rowOut(rows.owner), missing: rowOut(rows.missing), missingComment: rowOut(rows.missingComment) };

// user.get through the SDK: its own query parameters must not become filter keys.
const user = await b24.actions.v2.call.make({ method: 'user.get', params: { FILTER: { ACTIVE: true } } });
out.userGet = { ok: user.isSuccess, ids: user.isSuccess ? user.getData().result.map((u) => u.ID) : [] };

// rate limit: more parallel calls than the portal's bucket holds.
const started = Date.now();
const burstCalls = await Promise.all(
  Array.from({ length: Number(process.env.B24_BURST_CALLS ?? 0) }, (_, i) => b24.actions.v2.call.make({ method: 'server.time', requestId: `burst-${i}` })),
);
out.burst = { ok: burstCalls.filter((r) => r.isSuccess).length, failed: burstCalls.filter((r) => !r.isSuccess).flatMap(messages), ms: Date.now() - started };

process.stdout.write(`${JSON.stringify(out)}\n`);
