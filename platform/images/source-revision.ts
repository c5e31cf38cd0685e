// Which commit an image was built from, for its `org.opencontainers.image.revision` label and its
// creation time. It is the newest commit that touched one of the bundle's own source files or the
// lockfile (which fixes everything under node_modules), not HEAD: a commit that changes only
// another function leaves this function's image, and so its digest, as it was. Files changed
// but not committed mark the revision `-dirty`. Reads git; never changes the repository.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SourceRevision {
  /** Commit id, `<id>-dirty` with uncommitted changes, or `unknown` outside a git checkout. */
  revision: string;
  /** The commit's time in seconds (0 outside git): every timestamp in the image. */
  epoch: number;
}

export async function sourceRevision(root: string, inputs: readonly string[]): Promise<SourceRevision> {
  const paths = [...inputs.filter((path) => !path.includes('node_modules/')), 'package-lock.json'];
  try {
    const { stdout } = await git(root, ['log', '-1', '--format=%H %ct', '--', ...paths]);
    const [commit, time] = stdout.trim().split(' ');
    if (!commit || !time) return { revision: 'unknown', epoch: 0 };
    const status = await git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...paths]);
    return { revision: status.stdout.trim() ? `${commit}-dirty` : commit, epoch: Number(time) };
  } catch {
    return { revision: 'unknown', epoch: 0 };
  }
}

/** The repository's public address from the `origin` remote, as an https URL; undefined when there is none. */
export async function sourceRepositoryUrl(root: string): Promise<string | undefined> {
  try {
    const { stdout } = await git(root, ['remote', 'get-url', 'origin']);
    const url = stdout.trim();
    const ssh = /^git@([^:]+):(.+?)(?:\.git)?$/.exec(url);
    if (ssh) return `https://${ssh[1]}/${ssh[2]}`;
    return /^https?:\/\//.test(url) ? url.replace(/\.git$/, '').replace(/\/\/[^@/]+@/, '//') : undefined;
  } catch {
    return undefined;
  }
}

function git(root: string, args: string[]) {
  return run('git', ['-C', root, ...args], { maxBuffer: 1024 * 1024 });
}
