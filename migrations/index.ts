import { MigrationInterface } from 'typeorm';
import { InitialSchema1795957546684 } from './1795957546684-initial-schema';

/** Every migration, in order. A new migration file must be added here (no globs: works from ts and dist). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [InitialSchema1795957546684];
