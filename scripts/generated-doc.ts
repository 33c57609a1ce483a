/**
 * What the reference generators share: find the repository root, format the rendering with the
 * repository's Prettier settings (so `prettier --check .` and `--check` agree on one byte stream),
 * then write the file or, with `--check`, fail when the checked-in file differs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

/** Compiled, a script runs from dist/scripts/; from source, from scripts/. Both sit below the root. */
const ROOT_SEARCH_DEPTH_MAX = 4;

/** The repository root: the nearest directory above this file holding package.json, not the cwd. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < ROOT_SEARCH_DEPTH_MAX; depth++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json within ${ROOT_SEARCH_DEPTH_MAX} directories above ${import.meta.url}`);
}

export interface GeneratedDoc {
  /** The script's name, for messages. */
  readonly generator: string;
  /** Path of the document, relative to the repository root. */
  readonly path: string;
  /** The npm script that regenerates it, named in the out-of-date message. */
  readonly regenerate: string;
  /** Renders the document's markdown (before formatting). */
  readonly render: () => Promise<string>;
}

/** Parses the arguments, renders, then writes or checks. Returns the process exit code. */
export async function writeOrCheck(doc: GeneratedDoc, args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    console.error(
      `${doc.generator}: unknown argument ${unknown.join(' ')} (usage: ${doc.generator} [--check])`,
    );
    return 2;
  }
  const path = join(repositoryRoot(), doc.path);
  const rendered = await formatMarkdown(await doc.render(), path);
  if (args.includes('--check')) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === rendered) return 0;
    console.error(`${doc.path} is out of date: run npm run ${doc.regenerate}`);
    return 1;
  }
  writeFileSync(path, rendered);
  console.log(`wrote ${doc.path}`);
  return 0;
}

async function formatMarkdown(markdown: string, path: string): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(markdown, { ...options, parser: 'markdown', filepath: path });
}

/** A table cell: one line, pipes escaped, never empty. */
export function cell(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat === '' ? '—' : flat.replaceAll('|', '\\|');
}

/** Inline code that survives any backticks in the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}
