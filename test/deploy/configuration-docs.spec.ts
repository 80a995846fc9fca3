/**
 * What a person reads about configuration agrees with the schemas the code reads it with: the
 * README's configuration table is the one derived from ENV_VARIABLES, and `.env.example` lists
 * each variable of the dispatcher, of `npm start` and of the sandbox gateway with its default.
 * (Needs no services: files and schemas only.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { DEFAULTS, ENV_NAMES, ENV_VARIABLES, LOCAL_VARIABLES, markdownTable } from '@app/infrastructure';
import { SANDBOX_VARIABLES } from '../../apps/gateway-sandbox/src/sandbox-config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `NAME=value` lines, commented out or not, in order. */
const assignments = (text: string) => [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => ({ name, value }));

describe('configuration documentation', () => {
  describe('README', () => {
    const readme = read('README.md');

    it('has the configuration table derived from ENV_VARIABLES (regenerate it with markdownTable(Object.values(ENV_VARIABLES)))', () => {
      const start = readme.indexOf('| variable | default | meaning |');
      expect(start).toBeGreaterThan(readme.indexOf('## Configuration'));
      const table = readme.slice(start).split(/\n(?!\|)/)[0];

      expect(table).toBe(markdownTable(Object.values(ENV_VARIABLES)));
    });

    it('names the variables only `npm start` reads', () => {
      for (const name of Object.keys(LOCAL_VARIABLES)) expect({ name, named: readme.includes(`\`${name}\``) }).toEqual({ name, named: true });
    });

    it('names every variable of the sandbox gateway in its knobs table, and only those', () => {
      const sandboxPart = readme.slice(readme.indexOf('## The gateway'), readme.indexOf('## Operations'));
      const named = new Set([...sandboxPart.matchAll(/`(SANDBOX_[A-Z_]+)`/g)].map((m) => m[1]));

      expect([...named].sort()).toEqual(
        Object.keys(SANDBOX_VARIABLES)
          .filter((n) => n.startsWith('SANDBOX_'))
          .sort(),
      );
    });
  });

  describe('.env.example', () => {
    const [dispatcherPart, sandboxPart] = read('.env.example').split('# --- Gateway sandbox');
    const dispatcher = assignments(dispatcherPart).filter((a) => !(a.name in LOCAL_VARIABLES));
    const sandbox = assignments(sandboxPart);

    it("lists the dispatcher's variables in the README's order, once each, with their defaults (empty when there is none)", () => {
      expect(dispatcher.map((a) => a.name)).toEqual(Object.keys(ENV_VARIABLES));
      expect([...ENV_NAMES].sort()).toEqual(Object.keys(ENV_VARIABLES).sort());
      const defaults: Record<string, unknown> = DEFAULTS;
      for (const { name, value } of dispatcher) expect({ name, value }).toEqual({ name, value: name in defaults ? String(defaults[name]) : '' });
    });

    it('lists the variables only `npm start` reads, unset', () => {
      expect(assignments(dispatcherPart).filter((a) => a.name in LOCAL_VARIABLES)).toEqual(Object.keys(LOCAL_VARIABLES).map((name) => ({ name, value: '' })));
    });

    it("lists the sandbox's variables once each, with their defaults (the required key with the value npm start gives it)", () => {
      expect(sandbox.map((a) => a.name).sort()).toEqual(Object.keys(SANDBOX_VARIABLES).sort());
      for (const { name, value } of sandbox) {
        const fixed = SANDBOX_VARIABLES[name as keyof typeof SANDBOX_VARIABLES].fixedDefault;
        expect({ name, value }).toEqual({ name, value: fixed === undefined ? 'sandbox-webhook-key' : String(fixed) });
      }
    });
  });
});
