/**
 * `wasla --help` describes everything: every command and every option of every command says what
 * it does, so a user never meets a bare `--since <time>`. Walks the whole command tree, so a
 * command added later is held to the same rule.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../../src/cli/commands/index.js';

function* commands(c: Command, path: string): Generator<[string, Command]> {
  for (const sub of c.commands) {
    const p = `${path} ${sub.name()}`;
    yield [p, sub];
    yield* commands(sub, p);
  }
}

describe('wasla --help', () => {
  const program = new Command('wasla');
  registerCommands(program);
  const all = [...commands(program, 'wasla')];

  it('has commands to check', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all.map(([p, c]) => [p, c] as const))('%s: the command and each of its options are described', (_p, c) => {
    expect(c.description().trim(), 'the command has no description').not.toBe('');
    const bare = c.options.filter((o) => !o.description?.trim()).map((o) => o.flags);
    expect(bare, 'options without a description').toEqual([]);
  });
});

describe('docs/cli.md', () => {
  it('is the command tree as it is (regenerate with `npm run docs:cli`)', async () => {
    const { readFileSync } = await import('node:fs');
    const { cliReference } = await import('../../../src/cli/reference.js');
    expect(readFileSync('docs/cli.md', 'utf8')).toBe(cliReference());
  });
});
