/**
 * No line of source is longer than Prettier's print width (160, .prettierrc.json). Prettier never
 * breaks a string or template literal, so a long one stays long after `npm run format`: split it
 * into pieces joined with `+`, keeping the text the same.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_WIDTH = 160;

/** The git-tracked TypeScript and ES module files (a tracked file deleted in the work tree is skipped). */
function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((path) => path !== '' && existsSync(join(ROOT, path)));
}

describe('line width', () => {
  it(`keeps every line of the tracked .ts, .tsx and .mjs files at most ${MAX_WIDTH} characters`, () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(0);
    const tooLong: string[] = [];
    for (const path of files) {
      readFileSync(join(ROOT, path), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          // Characters (code points), not UTF-16 units: "😀" is one.
          const length = [...line].length;
          if (length > MAX_WIDTH) tooLong.push(`${path}:${index + 1} (${length})`);
        });
    }
    expect(tooLong).toEqual([]);
  });
});
