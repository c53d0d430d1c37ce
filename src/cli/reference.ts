/**
 * The CLI reference (docs/cli.md), written from the command tree itself, so every command and option
 * `wasla --help` shows is in the docs with the same words. `npm run docs:cli` writes it; a test fails
 * when the committed page drifts from the commands.
 */
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function usage(c: Command, path: string): string {
  const args = c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
  return `${path}${args ? ` ${args}` : ''}`;
}

function* walk(c: Command, path: string): Generator<[string, Command]> {
  for (const sub of c.commands) {
    const p = `${path} ${sub.name()}`;
    yield [p, sub];
    yield* walk(sub, p);
  }
}

export function cliReference(): string {
  const program = new Command('wasla');
  registerCommands(program);
  const out: string[] = [
    '# The `wasla` command',
    '',
    '<!-- generated from the command tree by `npm run docs:cli`; do not edit by hand -->',
    '',
    'Every command and option, as `wasla <command> --help` prints them. Commands that talk to a running',
    'hub sign their requests with `--key` and `--cert` (or `WASLA_KEY_FILE` and `WASLA_CERT_FILE`) and',
    'reach it at `--hub` (or `WASLA_HUB_URL`, default `http://127.0.0.1:8080`); the others work on the',
    'files and the database of this machine, configured as [operating.md](operating.md#configuration) says.',
    '',
  ];
  for (const [path, c] of walk(program, 'wasla')) {
    if (c.commands.length > 0 && !c.registeredArguments.length && c.options.length === 0) {
      out.push(`## ${path}`, '', c.description(), '');
      continue;
    }
    out.push(`### \`${usage(c, path)}\``, '', c.description(), '');
    const opts = c.options.filter((o) => o.long !== '--help');
    if (opts.length > 0) {
      out.push('| option | what |', '|---|---|');
      for (const o of opts) {
        const dflt = o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean' ? ` (default ${JSON.stringify(o.defaultValue)})` : '';
        out.push(`| \`${escapeCell(o.flags)}\` | ${escapeCell(o.description)}${escapeCell(dflt)} |`);
      }
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
