/** The doctor's report as a terminal table, Markdown or JSON, and the sign-offs as a list. */
import type { DoctorReport, ItemResult, Summary } from './run.js';
import { summarise } from './run.js';
import type { Signoff } from './signoffs.js';

function counts(summary: Summary): string {
  return `${summary.PASS} PASS, ${summary.WARN} WARN, ${summary.FAIL} FAIL, ${summary.MANUAL} MANUAL`;
}

function bySection(items: readonly ItemResult[]): Map<string, ItemResult[]> {
  const sections = new Map<string, ItemResult[]>();
  for (const item of items) {
    const list = sections.get(item.section) ?? [];
    list.push(item);
    sections.set(item.section, list);
  }
  return sections;
}

/** The table for a terminal: status, id and title on one line, the detail and the fix under it. */
export function renderTable(report: DoctorReport): string[] {
  const idWidth = Math.max(...report.items.map((i) => i.id.length), 2);
  const lines: string[] = [];
  for (const [section, items] of bySection(report.items)) {
    lines.push('', `== ${section} (${items.length}: ${counts(summarise(items))}) ==`);
    lines.push(`${'STATUS'.padEnd(7)} ${'ID'.padEnd(idWidth)}  TITLE / DETAIL`);
    for (const item of items) {
      lines.push(`${item.status.padEnd(7)} ${item.id.padEnd(idWidth)}  ${item.title}`);
      lines.push(`${' '.repeat(8)}${item.detail}`);
      if (item.fix !== '' && item.status !== 'PASS') lines.push(`${' '.repeat(8)}fix: ${item.fix}`);
    }
  }
  lines.push(
    '',
    `${report.summary.total} items: ${counts(report.summary)}`,
    `report sha256 ${report.sha256} (${report.host}, ${report.generatedAt})`,
  );
  if (report.summary.FAIL > 0)
    lines.push('Not ready: fix the FAIL items (each has its fix), then run rampart doctor again.');
  return lines;
}

function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\s+/g, ' ').trim();
}

export function renderMarkdown(report: DoctorReport): string[] {
  const lines = [
    '# Rampart production readiness report',
    '',
    `Host \`${report.host}\`, Rampart ${report.version}, ${report.generatedAt}${report.only === null ? '' : `, section ${report.only}`}.`,
    `Report SHA-256 \`${report.sha256}\`.`,
    '',
    `**${report.summary.total} items: ${counts(report.summary)}.**`,
  ];
  for (const [section, items] of bySection(report.items)) {
    lines.push('', `## ${section}`, '', `${counts(summarise(items))}.`, '');
    lines.push('| # | Id | Status | Item | Detail | Fix |', '|---|---|---|---|---|---|');
    for (const item of items) {
      const fix = item.status === 'PASS' ? '' : cell(item.fix);
      lines.push(
        `| ${item.n} | \`${item.id}\` | ${item.status} | ${cell(item.title)} | ${cell(item.detail)} | ${fix} |`,
      );
    }
  }
  return lines;
}

export function renderJson(report: DoctorReport): string[] {
  return [JSON.stringify(report, null, 2)];
}

export function renderSignoffs(signoffs: readonly Signoff[]): string[] {
  if (signoffs.length === 0)
    return ['no sign-offs recorded: rampart doctor --sign "<role>: <name>" --decision go|no-go'];
  const nameWidth = Math.max(...signoffs.map((s) => s.name.length), 4);
  const lines = [
    `${'SIGNED AT (UTC)'.padEnd(17)} ${'ROLE'.padEnd(10)} ${'NAME'.padEnd(nameWidth)} ${'DECISION'.padEnd(8)} REPORT`,
  ];
  for (const s of signoffs) {
    const when = s.signedAt.toISOString().slice(0, 16).replace('T', ' ');
    const tally = `PASS ${s.counts.PASS}, WARN ${s.counts.WARN}, FAIL ${s.counts.FAIL}, MANUAL ${s.counts.MANUAL}`;
    lines.push(
      `${when.padEnd(17)} ${s.role.padEnd(10)} ${s.name.padEnd(nameWidth)} ${s.decision.padEnd(8)} ${s.reportSha256} (${tally}; ${s.host}, ${s.rampartVersion})`,
    );
    if (s.note !== null) lines.push(`${' '.repeat(18)}note: ${s.note}`);
  }
  return lines;
}

export function signoffsJson(signoffs: readonly Signoff[]): string[] {
  return [
    JSON.stringify(
      signoffs.map((s) => ({ ...s, signedAt: s.signedAt.toISOString() })),
      null,
      2,
    ),
  ];
}
