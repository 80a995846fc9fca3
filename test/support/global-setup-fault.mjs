/**
 * The fault tier's setup: the services check of global-setup.mjs, then the build of the
 * dispatcher, which the fault tests run as child processes they can kill (about 6 s). A failed
 * build does not fail the other tiers; the fault harness reports it (FAULT_BUILD_ERROR) when it
 * cannot find the entry point.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import checkServices from './global-setup.mjs';

export default async function globalSetup() {
  await checkServices();
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let build = spawnSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build', 'dispatcher'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  // The guessable entry points (dist/apps/dispatcher/main.js), as `npm run build` writes them.
  if (build.status === 0) build = spawnSync(process.execPath, ['scripts/entry-points.mjs'], { cwd: root, encoding: 'utf8', timeout: 10_000 });
  if (build.status !== 0) {
    process.env.FAULT_BUILD_ERROR =
      `building the dispatcher failed (${build.error?.message ?? `exit ${build.status}`}): ` + `${(build.stdout + build.stderr).slice(-2_000)}`;
    console.error(process.env.FAULT_BUILD_ERROR);
  }
}
