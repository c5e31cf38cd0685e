// Builds a server from a Go module of this project (a go.mod requiring the upstream release, and
// for FerretDB a main.go around its embeddable package). The pinned version in versions.ts and
// the one go.mod requires must agree: a mismatch fails before anything is built.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureInstalled, runCommand } from './cache.ts';

export interface GoModuleBuild {
  name: string;
  /** The folder of our module, beside this file. */
  moduleDir: string;
  /** The upstream module go.mod requires and the version it must require. */
  requires: { module: string; version: string };
  /** What to build: a package path (`.` for our main.go, or the upstream main package). */
  pkg: string;
  /** File name of the binary in the cache. */
  binary: string;
}

/** Fails with what to install when there is no Go toolchain (it is needed only on a cold cache). */
export async function requireGo(): Promise<void> {
  await runCommand('go', ['version'], { heartbeat: false }).catch((error: unknown) => {
    throw new Error(`Go is needed to build MinIO, FerretDB and oauth2-proxy into the cache (see test/README.md): ${(error as Error).message}`, { cause: error });
  });
}

export async function installGoModule(build: GoModuleBuild): Promise<string> {
  const files = await Promise.all(['go.mod', 'go.sum', 'main.go'].map((f) => readFile(join(build.moduleDir, f), 'utf8').catch(() => '')));
  const [goMod] = files;
  const required = new RegExp(`^\\s*(?:require\\s+)?${build.requires.module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+(\\S+)`, 'm').exec(goMod ?? '')?.[1];
  if (required !== build.requires.version) {
    throw new Error(`${join(build.moduleDir, 'go.mod')} requires ${build.requires.module} ${required ?? '(nothing)'}, but versions.ts pins ${build.requires.version}: change both together`);
  }
  const dir = await ensureInstalled({
    name: build.name,
    version: build.requires.version,
    inputs: files,
    async install(target) {
      await requireGo();
      await runCommand('nice', ['-n', '10', 'go', 'build', '-trimpath', '-o', join(target, build.binary), build.pkg], {
        cwd: build.moduleDir,
        // readonly: go downloads what go.sum lists and fails rather than edit our go.mod.
        env: { GOFLAGS: '-buildvcs=false -mod=readonly' },
        label: `go build ${build.pkg} in ${build.moduleDir}`,
      });
    },
  });
  return join(dir, build.binary);
}
