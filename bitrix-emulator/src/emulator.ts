import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { handleAdmin } from './admin-router';
import { handleDownload, isDownloadPath } from './downloads';
import { EventDelivery, EventFaults } from './events';
import { sendJson } from './http-utils';
import { generateCertificate, TlsCertificate } from './tls';
import { ActivityInput, activityRow, createActivity, OWNER_TYPE_DEAL } from './methods/activities';
import { commentRow, addComment as addDealComment } from './methods/timeline-comments';
import { createDeal as createPortalDeal, deleteDeal as deletePortalDeal, listDealRows, requireDeal, updateDeal as updatePortalDeal } from './methods/deals';
import { SeedUserInput, seedUser as seedPortalUser, userRow } from './methods/users';
import { EmulatorOptions, resolveOptions } from './options';
import { FileInput, Portal } from './portal';
import { OperatingBudget } from './operating-time';
import { LeakyBucket } from './rate-limiter';
import { handleRest } from './rest-router';
import { RestFaultKind, RestFaultOptions, RestFaultRule, RestFaults } from './rest-faults';
import { applyState, readStateFile, serializeState, StatePersister } from './state-file';
import { EmulatorStats, StatsRecorder } from './stats';
import { Row, SentEmail } from './store';

/** A stored file as seen by assertions (bytes included). */
export interface FileView {
  id: number;
  fileId: number;
  name: string;
  size: number;
  content: Buffer;
  origin: 'disk' | 'comment' | 'activity';
  downloadUrl: string;
}

export interface BitrixEmulator {
  /** `http://127.0.0.1:<port>` (`https://` with the `https` option) */
  readonly url: string;
  /** With `https`: the self-signed certificate (PEM) to trust, e.g. through NODE_EXTRA_CA_CERTS or `ca`. */
  readonly certificatePem: string | undefined;
  /** `${url}/rest/${webhookUserId}/${webhookCode}/` */
  readonly inboundUrl: string;
  /** Live, mutable settings (handler URL, token, latency, rate limits, event delay...). */
  readonly options: EmulatorOptions;
  readonly stats: EmulatorStats;
  readonly deliveries: EventDelivery[];
  readonly contacts: Row[];
  readonly activities: Row[];
  readonly comments: Row[];
  readonly files: FileView[];
  readonly sentEmails: SentEmail[];
  readonly users: Row[];
  /** Stops the server; with `stateFile`, first writes any unsaved change (rejects if that write fails). */
  close(): Promise<void>;
  /** With `stateFile`: writes any unsaved change now. Without it: resolves at once. */
  saveState(): Promise<void>;
  /** Clears data, stats, faults, deliveries and the rate bucket (the webhook user is re-seeded). */
  reset(): void;

  seedUser(user: SeedUserInput): Row;
  createDeal(fields: Record<string, unknown>): Row;
  updateDeal(id: number, fields: Record<string, unknown>): Row;
  moveDealStage(id: number, stageId: string): Row;
  deleteDeal(id: number): void;
  addActivity(dealId: number, fields: ActivityInput): Row;
  addComment(dealId: number, text: string, files?: FileInput[]): Row;
  /** Sends an arbitrary event (e.g. one the emulator never fires by itself). */
  emitEvent(event: string, data: Record<string, unknown>): void;

  getDeal(id: number): Row | undefined;
  listDeals(): Row[];
  getContact(id: number): Row | undefined;
  getActivity(id: number): Row | undefined;
  getFile(id: number): FileView | undefined;

  resetStats(): void;
  failNext(n: number, kind: RestFaultKind, opts?: RestFaultOptions): void;
  pendingFaults(): RestFaultRule[];
  clearFaults(): void;

  setEventFaults(faults: Partial<EventFaults>): EventFaults;
  clearEventFaults(): void;
  pauseEvents(): void;
  resumeEvents(): void;
  /** Releases held events (pause, reorder window) and resolves when every queued delivery is done. */
  flush(): Promise<void>;
}

class EmulatorImpl implements BitrixEmulator {
  readonly portal: Portal;
  private readonly statsRecorder = new StatsRecorder();
  private readonly faults = new RestFaults();
  private readonly bucket: LeakyBucket;
  private readonly operating: OperatingBudget;
  private server: Server | null = null;
  private persister: StatePersister | null = null;
  private tls: TlsCertificate | null = null;

  constructor(readonly options: EmulatorOptions) {
    this.portal = new Portal(options);
    this.bucket = new LeakyBucket(() => ({ rate: this.options.rateLimit, burst: this.options.rateBurst }));
    this.operating = new OperatingBudget(() => this.options.operatingLimitSeconds);
    this.seedWebhookUser();
  }

  /** Loads `file` when it exists (throws StateFileError when it is unusable) and saves from now on. */
  async openStateFile(file: string): Promise<void> {
    const state = await readStateFile(file);
    if (state) {
      applyState(this.portal, state);
      if (!this.portal.store.users.has(this.options.webhookUserId)) this.seedWebhookUser();
    }
    this.persister = new StatePersister(file, () => serializeState(this.portal));
    // Writing at once creates the file and surfaces an unwritable location at start, not at the first change.
    await this.persister.save();
  }

  /** Called after anything that may have changed portal data. */
  private changed(): void {
    this.persister?.schedule();
  }

  saveState(): Promise<void> {
    return this.persister ? this.persister.flush() : Promise.resolve();
  }

  async listen(): Promise<void> {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => {
        console.error('[bitrix-emulator] request failed', err);
        if (!res.headersSent) sendJson(res, 500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
        else res.destroy();
      });
    };
    if (this.options.https) this.tls = await generateCertificate(this.options.host);
    const server: Server = this.tls ? createHttpsServer({ key: this.tls.keyPem, cert: this.tls.certPem }, listener) : createServer(listener);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.portal.baseUrl = this.url;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (isDownloadPath(url.pathname)) handleDownload(req, res, url, this.portal);
    else if (url.pathname === '/rest' || url.pathname.startsWith('/rest/')) {
      try {
        await handleRest(req, res, url, { portal: this.portal, stats: this.statsRecorder, faults: this.faults, bucket: this.bucket, operating: this.operating });
      } finally {
        // Any REST call may have written; the persister skips the write when nothing did.
        this.changed();
      }
    } else if (url.pathname.startsWith('/admin/')) {
      try {
        await handleAdmin(req, res, url, this);
      } finally {
        this.changed();
      }
    } else sendJson(res, 404, { error: 'NOT_FOUND', error_description: 'Unknown path. REST lives under /rest/{userId}/{code}/, the admin API under /admin/.' });
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    const port = address?.port ?? this.options.port;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${this.tls ? 'https' : 'http'}://${host}:${port}`;
  }

  get certificatePem(): string | undefined {
    return this.tls?.certPem;
  }

  get inboundUrl(): string {
    return `${this.url}/rest/${this.options.webhookUserId}/${this.options.webhookCode}/`;
  }

  async close(): Promise<void> {
    this.portal.events.close();
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    // After the server is down no request can change anything: this write is the last one.
    await this.persister?.close();
  }

  reset(): void {
    this.portal.store.clear();
    this.portal.events.reset();
    this.statsRecorder.reset();
    this.faults.clear();
    this.bucket.reset();
    this.operating.reset();
    this.seedWebhookUser();
    this.changed();
  }

  private seedWebhookUser(): void {
    seedPortalUser(this.portal, {
      ID: this.options.webhookUserId,
      NAME: 'Admin',
      LAST_NAME: 'Portal',
      EMAIL: `admin@${this.options.portalDomain}`,
      UF_DEPARTMENT: [1],
    });
  }

  private get actorId(): number {
    return this.options.webhookUserId;
  }

  // --- data -----------------------------------------------------------------------------------
  seedUser(user: SeedUserInput): Row {
    const row = userRow(this.portal, seedPortalUser(this.portal, user));
    this.changed();
    return row;
  }

  get users(): Row[] {
    return [...this.portal.store.users.values()].map((u) => userRow(this.portal, u));
  }

  createDeal(fields: Record<string, unknown>): Row {
    const row = createPortalDeal(this.portal, fields, { actorId: this.actorId, trusted: true });
    this.changed();
    return row;
  }

  updateDeal(id: number, fields: Record<string, unknown>): Row {
    const row = updatePortalDeal(this.portal, id, fields, { actorId: this.actorId, trusted: true });
    this.changed();
    return row;
  }

  moveDealStage(id: number, stageId: string): Row {
    const deal = requireDeal(this.portal, id);
    const categoryId = Number(deal.CATEGORY_ID);
    const prefix = categoryId === 0 ? '' : `C${categoryId}:`;
    if (categoryId === 0 ? /^C\d+:/.test(stageId) : !stageId.startsWith(prefix)) {
      throw new Error(`Stage ${stageId} does not belong to pipeline ${categoryId}`);
    }
    return this.updateDeal(id, { STAGE_ID: stageId });
  }

  deleteDeal(id: number): void {
    deletePortalDeal(this.portal, id);
    this.changed();
  }

  addActivity(dealId: number, fields: ActivityInput): Row {
    const { files, ...rest } = fields;
    const input: Record<string, unknown> = { TYPE_ID: 4, DIRECTION: 1, COMPLETED: 'N', ...rest, OWNER_TYPE_ID: OWNER_TYPE_DEAL, OWNER_ID: dealId };
    if (input.COMMUNICATIONS === undefined && input.TYPE_ID !== undefined && [2, 4].includes(Number(input.TYPE_ID))) {
      input.COMMUNICATIONS = [{ VALUE: Number(input.TYPE_ID) === 4 ? 'cliente@example.com' : '+550000000000', ENTITY_TYPE_ID: 3, ENTITY_ID: 0 }];
    }
    const record = createActivity(this.portal, input, files ?? [], this.actorId);
    this.changed();
    return activityRow(this.portal, record, [...Object.keys(record.row), 'COMMUNICATIONS', 'FILES']);
  }

  addComment(dealId: number, text: string, files: FileInput[] = []): Row {
    const record = addDealComment(this.portal, { entityId: dealId, entityType: 'deal', comment: text, files }, this.actorId);
    this.changed();
    return commentRow(this.portal, record);
  }

  emitEvent(event: string, data: Record<string, unknown>): void {
    this.portal.emit(event, data);
  }

  getDeal(id: number): Row | undefined {
    const row = this.portal.store.deals.get(id);
    return row ? structuredClone(row) : undefined;
  }

  listDeals(): Row[] {
    return [...this.portal.store.deals.values()].map((row) => structuredClone(row));
  }

  /** crm.deal.list-shaped query, handy for admin listing with filters. */
  queryDeals(params: Record<string, unknown>): Row[] {
    return listDealRows(this.portal, params).items;
  }

  getContact(id: number): Row | undefined {
    const row = this.portal.store.contacts.get(id);
    return row ? structuredClone(row) : undefined;
  }

  get contacts(): Row[] {
    return [...this.portal.store.contacts.values()].map((row) => structuredClone(row));
  }

  getActivity(id: number): Row | undefined {
    const record = this.portal.store.activities.get(id);
    return record ? activityRow(this.portal, record, [...Object.keys(record.row), 'COMMUNICATIONS', 'FILES']) : undefined;
  }

  get activities(): Row[] {
    return [...this.portal.store.activities.values()].map((r) => activityRow(this.portal, r, [...Object.keys(r.row), 'COMMUNICATIONS', 'FILES']));
  }

  get comments(): Row[] {
    return [...this.portal.store.comments.values()].map((r) => commentRow(this.portal, r));
  }

  getFile(id: number): FileView | undefined {
    return this.files.find((f) => f.id === id);
  }

  get files(): FileView[] {
    return [...this.portal.store.files.values()].map((f) => ({
      id: f.id,
      fileId: f.fileId,
      name: f.name,
      size: f.content.length,
      content: Buffer.from(f.content),
      origin: f.origin,
      downloadUrl: this.portal.diskDownloadUrl(f),
    }));
  }

  get sentEmails(): SentEmail[] {
    return this.portal.store.sentEmails.map((e) => ({ ...e, to: [...e.to], files: e.files.map((f) => ({ ...f })) }));
  }

  // --- stats and faults --------------------------------------------------------------------------
  get stats(): EmulatorStats {
    return this.statsRecorder.snapshot();
  }

  resetStats(): void {
    this.statsRecorder.reset();
  }

  failNext(n: number, kind: RestFaultKind, opts: RestFaultOptions = {}): void {
    this.faults.add(n, kind, opts);
  }

  pendingFaults(): RestFaultRule[] {
    return this.faults.pending();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  get deliveries(): EventDelivery[] {
    return this.portal.events.deliveries.map((d) => ({ ...d }));
  }

  setEventFaults(faults: Partial<EventFaults>): EventFaults {
    return this.portal.events.setFaults(faults);
  }

  clearEventFaults(): void {
    this.portal.events.clearFaults();
  }

  pauseEvents(): void {
    this.portal.events.pause();
  }

  resumeEvents(): void {
    this.portal.events.resume();
  }

  flush(): Promise<void> {
    return this.portal.events.flush();
  }

  eventState(): { paused: boolean; held: number; faults: EventFaults } {
    return { paused: this.portal.events.isPaused(), held: this.portal.events.heldCount(), faults: this.portal.events.getFaults() };
  }
}

export type EmulatorInternals = EmulatorImpl;

export async function startBitrixEmulator(options: Partial<EmulatorOptions> = {}): Promise<BitrixEmulator> {
  const emulator = new EmulatorImpl(resolveOptions(options));
  if (emulator.options.stateFile) await emulator.openStateFile(emulator.options.stateFile);
  await emulator.listen();
  return emulator;
}
