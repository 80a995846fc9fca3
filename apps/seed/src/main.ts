import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { CreateMessage } from '@app/application';
import { ConfigError } from '@app/infrastructure';
import { sampleMessages } from './sample-messages.js';
import { SEED_CONFIG, type SeedConfig } from './seed-config.js';
import { SeedModule } from './seed.module.js';

const USAGE = 'usage: npm run seed -- --count N   (1 to 100000; needs DATABASE_URL)';

/** `npm run seed -- --count 100`: queues sample messages through the CreateMessage use case. */
async function seed(): Promise<void> {
  let count: number;
  try {
    const { values } = parseArgs({ options: { count: { type: 'string', default: '10' } } });
    count = Number(values.count);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const problems = Number.isInteger(count) && count >= 1 && count <= 100_000 ? [] : ['--count must be a whole number from 1 to 100000'];
  let config: SeedConfig | null = null;
  try {
    config = SEED_CONFIG.read(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config) {
    console.error(`${problems.join('\n')}\n${USAGE}`);
    process.exit(2);
  }

  const app = await NestFactory.createApplicationContext(SeedModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const createMessage = app.get(CreateMessage);
    for (const command of sampleMessages(count)) await createMessage.execute(command);
    console.log(`seeded ${count} messages`);
  } finally {
    await app.close();
  }
}

void seed();
