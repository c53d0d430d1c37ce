/**
 * The hub under test, frozen for the run: a copy of the working tree's src/ and contracts/
 * (default), or with `--hub-ref` one git commit exported — so that edits others make to src/ while
 * the run restarts processes cannot change the hub halfway. The copy shares the repository's
 * node_modules through a symbolic link. Processes and CLI calls run in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface HubSource {
  dir: string;
  describe: string;
}

const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
const PARTS = ['src', 'contracts', 'package.json', 'tsconfig.json'];

export function hubSource(repo: string, into: string, ref?: string): HubSource {
  mkdirSync(into);
  let describe: string;
  if (ref) {
    const commit = git(repo, 'rev-parse', '--verify', `${ref}^{commit}`);
    const tar = execFileSync('git', ['archive', '--format=tar', commit, ...PARTS], { cwd: repo, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', into], { input: tar });
    describe = `${ref} = ${commit.slice(0, 12)}`;
  } else {
    for (const p of PARTS) cpSync(join(repo, p), join(into, p), { recursive: true });
    const dirty = git(repo, 'status', '--porcelain', '--', 'src', 'contracts') !== '';
    describe = `working tree at ${git(repo, 'rev-parse', '--short=12', 'HEAD')}${dirty ? ' + uncommitted changes' : ''}, copied`;
  }
  symlinkSync(join(repo, 'node_modules'), join(into, 'node_modules'));
  return { dir: into, describe };
}
