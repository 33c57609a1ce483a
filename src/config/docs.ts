/**
 * docs/configuration.md, rendered from the schema: the one reference an operator reads. Pure and
 * deterministic (settings in schema order, groups in order of first appearance) so CI can compare
 * the checked-in file byte for byte with a fresh rendering.
 */
import { SECRET_LENGTH_MIN } from './mainnet-rules.js';
import { settings, type AnySetting } from './schema.js';

export const CONFIGURATION_DOC_PATH = 'docs/configuration.md';

export function renderConfigurationDoc(): string {
  const all = Object.values(settings) as AnySetting[];
  const lines = [...intro(), ...mainnetRules()];
  for (const [group, members] of byGroup(all)) lines.push(...groupSection(group, members));
  return `${lines.join('\n')}\n`;
}

function intro(): string[] {
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by scripts/gen-config-docs.ts. Do not edit by hand:',
    '     run `npm run build && npm run docs:config`. CI fails when this file is out of date. -->',
    '',
    'Rampart reads every setting from environment variables, once, at start.',
    '',
    '- **Development.** When `NODE_ENV` is not `production`, a `.env` file in the working directory is',
    '  read underneath the environment: a variable set in the real environment wins over the file.',
    '- **Production.** With `NODE_ENV=production` the `.env` file is ignored; only the environment is',
    '  read (systemd `EnvironmentFile=` is the place for secrets).',
    '- An empty value counts as unset, so the default applies. Surrounding whitespace is ignored.',
    '- Booleans accept `true`/`false`, `1`/`0`, `yes`/`no` and `on`/`off`. Lists are comma-separated.',
    '- Rampart fails fast: every invalid value is reported at start, all at once, as one line naming',
    '  the variable, and the server does not start. The mainnet rules below are checked once every',
    '  value is valid.',
    '- Secrets (marked below) are never printed. The effective configuration is logged with secrets',
    '  redacted; connection URLs are shown with their password replaced by `***`.',
    '',
  ];
}

function mainnetRules(): string[] {
  const s = settings;
  const code = (setting: AnySetting): string => `\`${setting.env}\``;
  return [
    '## Mainnet safety rules',
    '',
    `With ${code(s.stellarNetwork)} set to \`public\` (or its alias \`mainnet\`) real money moves, and`,
    'Rampart refuses to start when:',
    '',
    `- ${code(s.paystackSecretKey)} is unset or a test key (\`sk_test_…\`);`,
    `- ${code(s.jwtSecret)} is unset;`,
    `- a secret is shorter than ${SECRET_LENGTH_MIN} characters: ${code(s.jwtSecret)}, ${code(s.paystackSecretKey)},`,
    `  or the password in ${code(s.databaseUrl)} or ${code(s.redisUrl)};`,
    `- ${code(s.publicUrl)}, ${code(s.horizonUrl)} or ${code(s.paystackBaseUrl)} is not https;`,
    `- ${code(s.horizonUrl)} or ${code(s.paystackBaseUrl)} points at localhost or a private address,`,
    '  where the sandbox doubles run.',
    '',
  ];
}

/** Groups in the order they first appear in the schema, each with its settings in schema order. */
function byGroup(all: readonly AnySetting[]): Map<string, AnySetting[]> {
  const groups = new Map<string, AnySetting[]>();
  for (const setting of all) {
    const members = groups.get(setting.group);
    if (members === undefined) groups.set(setting.group, [setting]);
    else members.push(setting);
  }
  return groups;
}

function groupSection(group: string, members: readonly AnySetting[]): string[] {
  const rows = members.map(
    (setting) =>
      `| \`${setting.env}\` | ${defaultCell(setting)} | ${setting.secret ? 'yes' : '—'} | ${cell(setting.doc)} |`,
  );
  return [
    `## ${group}`,
    '',
    '| Variable | Default | Secret | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

function defaultCell(setting: AnySetting): string {
  const shown = setting.fallbackDoc;
  // A secret's default would be a secret too; none has one, and the reference must never show it.
  if (setting.secret && setting.fallback !== undefined) return '(set)';
  // Placeholders such as "(unset)" read as prose; real values as code.
  if (/^\(.*\)$/.test(shown) || shown.includes('`')) return cell(shown);
  return `\`${cell(shown)}\``;
}

/** One table cell: a line break or an unescaped `|` would end the cell early and break the table. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}
