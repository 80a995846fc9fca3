import { type ConfigOf, ConfigSchema, ENV_VARIABLES as V } from '@app/infrastructure';

/** What seeding reads from the environment: the database, and the content limit messages are checked against. */
export const SEED_CONFIG = new ConfigSchema({ databaseUrl: V.DATABASE_URL, messageMaxLength: V.MESSAGE_MAX_LENGTH });

export type SeedConfig = ConfigOf<typeof SEED_CONFIG.shape>;
