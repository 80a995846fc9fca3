import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@app/infrastructure';
import { SEED_CONFIG } from './seed-config.js';

const DATABASE_URL = 'postgres://dispatcher:secret@localhost:5432/dispatcher';

describe('SEED_CONFIG', () => {
  it('reads only what seeding needs: the database and the content limit', () => {
    expect(SEED_CONFIG.names).toEqual(['DATABASE_URL', 'MESSAGE_MAX_LENGTH']);
    expect(SEED_CONFIG.read({ DATABASE_URL })).toEqual({ databaseUrl: DATABASE_URL, messageMaxLength: 160 });
    expect(SEED_CONFIG.read({ DATABASE_URL, MESSAGE_MAX_LENGTH: '70', WEBHOOK_URL: 'not a url' })).toEqual({ databaseUrl: DATABASE_URL, messageMaxLength: 70 });
  });

  it("names what is missing or bad with the service's own rules", () => {
    expect(() => SEED_CONFIG.read({ MESSAGE_MAX_LENGTH: 'long' })).toThrow(ConfigError);
    try {
      SEED_CONFIG.read({ MESSAGE_MAX_LENGTH: 'long' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'DATABASE_URL: is required (postgres://user:password@host:5432/database)',
        'MESSAGE_MAX_LENGTH: MESSAGE_MAX_LENGTH must be an integer number',
      ]);
    }
  });
});
