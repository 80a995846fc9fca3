import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  boolean,
  ConfigError,
  ConfigSchema,
  configClass,
  decimal,
  defaultsOf,
  defineVariables,
  integer,
  Invalid,
  markdownTable,
  oneOf,
  relation,
  text,
  variable,
} from './env-schema.js';

const V = defineVariables({
  HOST: text({ required: 'is required: where to connect', doc: 'the host' }),
  PORT: integer({ min: 1, max: 65535, default: 80, doc: 'the port' }),
  RATE: decimal({ min: 0, max: 1, default: 0.5, doc: 'a share' }),
  ON: boolean({ default: false, doc: 'a switch' }),
  MODE: oneOf(['a', 'b'], { default: 'a', doc: 'a mode' }),
  NAME: text({
    maxLength: 5,
    pattern: /^[a-z]+$/,
    invalid: 'must be lower-case letters',
    default: (env) => `${env.HOSTNAME ?? 'box'}x`,
    docDefault: '`<host>x`',
    doc: 'a name',
  }),
  TAGS: variable((raw) => (raw.includes(';') ? new Invalid('must not hold ;') : raw.split(',')), { doc: 'tags' }),
  LOW: integer({ min: 0, max: 100, default: 10, doc: 'the low mark' }),
  HIGH: integer({ min: 0, max: 100, default: 20, doc: 'the high mark' }),
});

const SCHEMA = new ConfigSchema(
  {
    host: V.HOST,
    port: V.PORT,
    limits: { rate: V.RATE, low: V.LOW, high: V.HIGH },
    flags: { on: V.ON, mode: V.MODE },
    name: V.NAME,
    tags: V.TAGS,
  },
  [relation(V.HIGH, [V.LOW], (high, low) => (high < low ? `must not be less than LOW (${low})` : null))],
);

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    SCHEMA.read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('env-schema', () => {
  it('names each variable after its key', () => {
    expect(Object.entries(V).map(([key, v]) => [key, v.name])).toEqual(Object.keys(V).map((key) => [key, key]));
  });

  it('reads a nested, typed config, with defaults for what is unset or empty', () => {
    const config = SCHEMA.read({ HOST: 'db', PORT: '', HOSTNAME: 'pod' });

    expect(config).toEqual({ host: 'db', port: 80, limits: { rate: 0.5, low: 10, high: 20 }, flags: { on: false, mode: 'a' }, name: 'podx', tags: null });
    // The types follow the declarations: a required or defaulted variable is never null, an optional one may be.
    const typed: { host: string; port: number; flags: { on: boolean; mode: 'a' | 'b' }; tags: string[] | null } = config;
    expect(typed.port).toBe(80);
  });

  it('reads every kind of variable that is set', () => {
    const config = SCHEMA.read({ HOST: 'db', PORT: ' 8080 ', RATE: '0.25', ON: 'Yes', MODE: 'b', NAME: 'abc', TAGS: 'x,y', LOW: '5', HIGH: '5' });

    expect(config).toEqual({ host: 'db', port: 8080, limits: { rate: 0.25, low: 5, high: 5 }, flags: { on: true, mode: 'b' }, name: 'abc', tags: ['x', 'y'] });
  });

  it('names every bad variable in one ConfigError, in the order of the shape', () => {
    const problems = problemsOf({ PORT: '1.5', RATE: '2', ON: 'maybe', MODE: 'c', NAME: 'toolong', TAGS: 'a;b', LOW: '-1', HIGH: 'x' });

    expect(problems).toEqual([
      'HOST: is required: where to connect',
      'PORT: PORT must be an integer number',
      'RATE: RATE must not be greater than 1',
      'LOW: LOW must not be less than 0',
      'HIGH: HIGH must be an integer number',
      'ON: must be true or false',
      'MODE: must be one of a, b',
      'NAME: NAME must be shorter than or equal to 5 characters',
      'TAGS: must not hold ;',
    ]);
    expect(problemsOf({ HOST: 'db', NAME: 'A1', RATE: 'half' })).toEqual(['RATE: must be a number', 'NAME: must be lower-case letters']);
  });

  it('checks a relation once its variables are valid, on defaults too, after the other problems', () => {
    expect(problemsOf({ HOST: 'db', HIGH: '5' })).toEqual(['HIGH: must not be less than LOW (10)']);
    expect(problemsOf({ PORT: '0', LOW: '50', HIGH: '40' })).toEqual([
      'HOST: is required: where to connect',
      'PORT: PORT must not be less than 1',
      'HIGH: must not be less than LOW (50)',
    ]);
    expect(problemsOf({ HOST: 'db', LOW: 'x', HIGH: '1' })).toEqual(['LOW: LOW must be an integer number']);
  });

  it('ignores the variables it does not read', () => {
    expect(() => SCHEMA.read({ HOST: 'db', HOME: '/root', PATH: 'x;y' })).not.toThrow();
  });

  it('refuses a relation on a variable its shape does not read', () => {
    expect(() => new ConfigSchema({ high: V.HIGH }, [relation(V.HIGH, [V.LOW], () => null)])).toThrow(/LOW, which this schema does not read/);
  });

  it('lists the names it reads, in the order of its shape', () => {
    expect(SCHEMA.names).toEqual(['HOST', 'PORT', 'RATE', 'LOW', 'HIGH', 'ON', 'MODE', 'NAME', 'TAGS']);
    expect(new ConfigSchema({ port: V.PORT }).names).toEqual(['PORT']);
  });

  it('derives the fixed defaults, leaving out required, optional and computed ones', () => {
    expect(defaultsOf(SCHEMA.variables)).toEqual({ PORT: 80, RATE: 0.5, LOW: 10, HIGH: 20, ON: false, MODE: 'a' });
  });

  it('derives the documentation table', () => {
    expect(markdownTable([V.HOST, V.PORT, V.ON, V.NAME, V.TAGS])).toBe(
      [
        '| variable | default | meaning |',
        '| --- | --- | --- |',
        '| `HOST` | (required) | the host |',
        '| `PORT` | `80` | the port |',
        '| `ON` | `false` | a switch |',
        '| `NAME` | `<host>x` | a name |',
        '| `TAGS` | unset | tags |',
      ].join('\n'),
    );
  });

  it('gives a class whose instances carry the typed fields', () => {
    class Config extends configClass(SCHEMA) {}
    const config: Config = Object.assign(new Config(), SCHEMA.read({ HOST: 'db' }));

    expect(config).toBeInstanceOf(Config);
    expect(config.flags.mode).toBe('a');
  });

  it("is the very file the sandbox gateway keeps a copy of (the sandbox shares no code with the dispatcher's libs)", () => {
    const here = readFileSync(new URL('./env-schema.ts', import.meta.url), 'utf8');
    const copy = readFileSync(new URL('../../../../apps/gateway-sandbox/src/env-schema.ts', import.meta.url), 'utf8');

    expect(copy).toBe(here);
  });
});
