/**
 * Where the hub under test comes from: the working tree (default), or with `--hub-ref` one git
 * commit exported into a temporary directory — so a run measures a fixed hub even while others
 * edit `src/`. The export shares the repository's node_modules through a symbolic link.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface HubSource {
  /** the directory the hub is started in (it holds src/ and contracts/) */
  dir: string;
  /** what was measured: "working tree at <commit> (+ uncommitted changes)" or "<ref> = <commit>" */
  describe: string;
  commit: string;
}

const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

export function hubSource(repo: string, tmp: string, ref?: string): HubSource {
  if (!ref) {
    const commit = git(repo, 'rev-parse', 'HEAD');
    const dirty = git(repo, 'status', '--porcelain', '--', 'src', 'contracts') !== '';
    return { dir: repo, commit, describe: `working tree at ${commit.slice(0, 12)}${dirty ? ' + uncommitted changes in src/ or contracts/' : ''}` };
  }
  const commit = git(repo, 'rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(tmp, 'hub-src');
  mkdirSync(dir);
  const tar = execFileSync('git', ['archive', '--format=tar', commit, 'src', 'contracts', 'package.json', 'tsconfig.json'], { cwd: repo, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return { dir, commit, describe: `${ref} = ${commit.slice(0, 12)} (exported)` };
}
