import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc } from '../../src/config/docs.js';
import { settings, type AnySetting } from '../../src/config/schema.js';

const all = Object.values(settings) as AnySetting[];
const rendered = renderConfigurationDoc();

describe('docs/configuration.md', () => {
  it('is current: regenerate with `npm run build && npm run docs:config`', () => {
    const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(rendered);
  });

  it('renders the same text every time', () => {
    expect(renderConfigurationDoc()).toBe(rendered);
  });

  it('documents every setting in exactly one table row, under its group', () => {
    for (const setting of all) {
      const rows = rendered.split('\n').filter((line) => line.startsWith(`| \`${setting.env}\` |`));
      expect(rows, setting.env).toHaveLength(1);
      const section = rendered.slice(0, rendered.indexOf(rows[0]!));
      expect(section.lastIndexOf(`## ${setting.group}\n`), setting.env).toBeGreaterThan(-1);
    }
  });

  it('shows the defaults, and marks secrets', () => {
    expect(rendered).toContain('| `PORT` | `8000` | — |');
    expect(rendered).toContain('| `BODY_LIMIT_BYTES` | `65536` | — |');
    expect(rendered).toContain('| `LOG_LEVEL` | `info` | — |');
    expect(rendered).toContain('| `STELLAR_NETWORK` | `testnet` | — |');
    for (const setting of all.filter((s) => s.secret)) {
      expect(rendered).toContain(`| \`${setting.env}\` | (unset) | yes |`);
    }
  });

  it('keeps every table row at four cells, whatever the descriptions contain', () => {
    const rows = rendered.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) {
      const unescapedPipes = row.match(/(?<!\\)\|/g) ?? [];
      expect(unescapedPipes, row).toHaveLength(5);
    }
  });

  it('states how settings are read and the mainnet rules', () => {
    expect(rendered).toContain('`.env`');
    expect(rendered).toContain('`NODE_ENV=production`');
    expect(rendered).toContain('## Mainnet safety rules');
    expect(rendered).toContain('`sk_test_…`');
  });
});
