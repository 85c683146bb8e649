export function freePort(): Promise<number>;
export interface EmbeddedPg {
  url: (db?: string) => string;
  port: number;
  stop: () => Promise<void>;
  server: { getPgClient(database?: string, host?: string): import('pg').Client };
}
export function startEmbeddedPostgres(options: {
  databaseDir: string;
  port?: number;
  persistent?: boolean;
  password?: string;
  onLog?: (m: string) => void;
}): Promise<EmbeddedPg>;
export function ensureDatabase(pg: EmbeddedPg, name: string): Promise<void>;
