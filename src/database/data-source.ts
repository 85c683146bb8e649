// DataSource for the TypeORM CLI (`npm run migration:run`, `migration:generate`), built from the same env as the app.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { applySeedAliases } from '../config/config.loader';
import { buildDataSourceOptions } from './data-source-options';

const env = applySeedAliases(process.env);
if (!env.DATABASE_URL) {
  throw new Error('DATABASE_URL (or PG_BOTAPP_HOST/PG_BOTAPP_PORT/PG_BOTAPP_USER/PG_BOTAPP_PASSWORD/PG_CARVALIMA_HELPDESK_DBNAME) is required');
}

export default new DataSource(buildDataSourceOptions(env.DATABASE_URL));
