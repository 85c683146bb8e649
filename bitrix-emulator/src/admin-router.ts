import { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorInternals } from './emulator';
import { BitrixError } from './errors';
import { EventFaults, ReorderFault } from './events';
import { readBody, sendJson } from './http-utils';
import { parseSeedUser } from './methods/users';
import { asArray, asInt, asRecord, asString, isRecord, isTruthy } from './params';
import { FileInput } from './portal';
import { REST_FAULT_KINDS, RestFaultKind } from './rest-faults';

/**
 * JSON admin API (no auth: a local test tool). Seeds users, makes portal-side changes that fire
 * events, injects faults and exposes stats. Errors: `{error, message}` with 400/404.
 */
class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Files in admin bodies: `{name, contentBase64}` or `{name, content}` (UTF-8 text). */
function readFiles(value: unknown): FileInput[] {
  return asArray(value).map((raw) => {
    const f = asRecord(raw) ?? {};
    const name = asString(f.name);
    if (!name) throw new AdminError(400, 'each file needs a name');
    const b64 = asString(f.contentBase64);
    return { name, content: b64 !== undefined ? Buffer.from(b64, 'base64') : Buffer.from(asString(f.content) ?? '', 'utf8') };
  });
}

function dealId(match: RegExpExecArray): number {
  const id = asInt(match[1]);
  if (id === null) throw new AdminError(400, 'bad deal id');
  return id;
}

function eventFaultUpdate(body: Record<string, unknown>): Partial<EventFaults> {
  const update: Partial<EventFaults> = {};
  if (body.dropNext !== undefined) update.dropNext = asInt(body.dropNext) ?? 0;
  if (body.dropProbability !== undefined) update.dropProbability = Number(body.dropProbability);
  if (body.duplicate !== undefined) update.duplicate = isTruthy(body.duplicate);
  if (body.delayMs !== undefined) update.delayMs = asInt(body.delayMs) ?? 0;
  if (body.reorder !== undefined) {
    const r = asRecord(body.reorder);
    update.reorder = r ? ({ window: asInt(r.window) ?? 2, mode: r.mode === 'shuffle' ? 'shuffle' : 'reverse' } satisfies ReorderFault) : null;
  }
  return update;
}

type Route = [method: string, pattern: RegExp, handler: (m: RegExpExecArray, body: Record<string, unknown>, url: URL) => unknown | Promise<unknown>];

function routes(emu: EmulatorInternals): Route[] {
  return [
    ['GET', /^\/admin\/health$/, () => ({ ok: true, url: emu.url, inboundUrl: emu.inboundUrl })],
    ['GET', /^\/admin\/options$/, () => ({ ...emu.options })],
    [
      'PATCH',
      /^\/admin\/options$/,
      (_m, body) => {
        const o = emu.options;
        if ('eventHandlerUrl' in body) o.eventHandlerUrl = asString(body.eventHandlerUrl) || undefined;
        if (body.applicationToken !== undefined) o.applicationToken = String(body.applicationToken);
        for (const key of ['latencyMs', 'rateLimit', 'rateBurst', 'eventDelayMs', 'eventTimeoutMs'] as const) {
          if (body[key] !== undefined) o[key] = Number(body[key]);
        }
        return { ...o };
      },
    ],
    ['POST', /^\/admin\/reset$/, () => (emu.reset(), { ok: true })],
    ['GET', /^\/admin\/users$/, () => emu.users],
    ['POST', /^\/admin\/users$/, (_m, body) => emu.seedUser(parseSeedUser(body))],
    ['GET', /^\/admin\/deals$/, (_m, _b, url) => (url.searchParams.size > 0 ? emu.queryDeals({ filter: Object.fromEntries(url.searchParams) }) : emu.listDeals())],
    ['POST', /^\/admin\/deals$/, (_m, body) => emu.createDeal(asRecord(body.fields) ?? body)],
    [
      'GET',
      /^\/admin\/deals\/(\d+)$/,
      (m) => {
        const deal = emu.getDeal(dealId(m));
        if (!deal) throw new AdminError(404, 'deal not found');
        return deal;
      },
    ],
    ['PATCH', /^\/admin\/deals\/(\d+)$/, (m, body) => emu.updateDeal(dealId(m), asRecord(body.fields) ?? body)],
    ['DELETE', /^\/admin\/deals\/(\d+)$/, (m) => (emu.deleteDeal(dealId(m)), { ok: true })],
    [
      'POST',
      /^\/admin\/deals\/(\d+)\/stage$/,
      (m, body) => {
        const stageId = asString(body.stageId ?? body.STAGE_ID);
        if (!stageId) throw new AdminError(400, 'stageId is required');
        return emu.moveDealStage(dealId(m), stageId);
      },
    ],
    [
      'POST',
      /^\/admin\/deals\/(\d+)\/activities$/,
      (m, body) => {
        const { files, ...fields } = body;
        return emu.addActivity(dealId(m), { ...(asRecord(fields.fields) ?? fields), files: readFiles(files) });
      },
    ],
    ['POST', /^\/admin\/deals\/(\d+)\/comments$/, (m, body) => emu.addComment(dealId(m), asString(body.text ?? body.COMMENT) ?? '', readFiles(body.files))],
    ['GET', /^\/admin\/activities$/, () => emu.activities],
    ['GET', /^\/admin\/comments$/, () => emu.comments],
    ['GET', /^\/admin\/contacts$/, () => emu.contacts],
    ['GET', /^\/admin\/files$/, () => emu.files.map(({ content, ...meta }) => ({ ...meta, size: content.length }))],
    ['GET', /^\/admin\/sent-emails$/, () => emu.sentEmails.map((e) => ({ ...e, files: e.files.map((f) => ({ id: f.id, name: f.name, contentBase64: f.content.toString('base64') })) }))],
    ['GET', /^\/admin\/faults$/, () => emu.pendingFaults()],
    [
      'POST',
      /^\/admin\/faults$/,
      (_m, body) => {
        const kind = asString(body.kind) as RestFaultKind | undefined;
        if (!kind || !REST_FAULT_KINDS.includes(kind)) throw new AdminError(400, `kind must be one of ${REST_FAULT_KINDS.join(', ')}`);
        emu.failNext(asInt(body.count ?? body.n) ?? 1, kind, {
          method: asString(body.method),
          status: asInt(body.status) ?? undefined,
          error: asString(body.error),
          errorDescription: asString(body.errorDescription),
          hangMs: asInt(body.hangMs) ?? undefined,
        });
        return emu.pendingFaults();
      },
    ],
    ['DELETE', /^\/admin\/faults$/, () => (emu.clearFaults(), { ok: true })],
    ['GET', /^\/admin\/events$/, () => ({ ...emu.eventState(), deliveries: emu.deliveries })],
    [
      'POST',
      /^\/admin\/events$/,
      async (_m, body) => {
        if (isTruthy(body.clear)) emu.clearEventFaults();
        emu.setEventFaults(eventFaultUpdate(body));
        if (body.pause !== undefined && isTruthy(body.pause)) emu.pauseEvents();
        if (body.resume !== undefined && isTruthy(body.resume)) emu.resumeEvents();
        const emit = asRecord(body.emit);
        if (emit) emu.emitEvent(asString(emit.event) ?? '', asRecord(emit.data) ?? {});
        if (isTruthy(body.flush)) await emu.flush();
        return emu.eventState();
      },
    ],
    ['POST', /^\/admin\/events\/flush$/, async () => (await emu.flush(), emu.eventState())],
    ['GET', /^\/admin\/stats$/, () => emu.stats],
    ['POST', /^\/admin\/reset-stats$/, () => (emu.resetStats(), { ok: true })],
  ];
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, emu: EmulatorInternals): Promise<void> {
  try {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AdminError(400, 'body must be JSON');
      }
      if (!isRecord(parsed)) throw new AdminError(400, 'body must be a JSON object');
      body = parsed;
    }
    const pathname = url.pathname.replace(/\/+$/, '');
    const all = routes(emu);
    for (const [method, pattern, handler] of all) {
      const match = pattern.exec(pathname);
      if (match && method === req.method) {
        const result = await handler(match, body, url);
        sendJson(res, 200, result ?? { ok: true });
        return;
      }
    }
    const known = all.some(([, pattern]) => pattern.test(pathname));
    sendJson(res, known ? 405 : 404, { error: known ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', message: `${req.method} ${pathname}` });
  } catch (err) {
    if (err instanceof AdminError) sendJson(res, err.status, { error: 'BAD_REQUEST', message: err.message });
    else if (err instanceof BitrixError) sendJson(res, err.description === 'Not found' ? 404 : 400, { error: err.code || 'BITRIX_ERROR', message: err.description });
    else sendJson(res, 400, { error: 'BAD_REQUEST', message: err instanceof Error ? err.message : String(err) });
  }
}
