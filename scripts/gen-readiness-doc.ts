/**
 * Writes docs/production-readiness.md from the doctor's item registry (src/ops/doctor/registry.ts),
 * or with `--check` fails when the checked-in file differs from a fresh rendering (CI runs the check
 * so the document stays current with the registry and the checks).
 *
 *   npm run docs:readiness          # regenerate
 *   npm run docs:readiness:check    # exit 1 when out of date
 */
import { READINESS_DOC_PATH, renderReadinessDoc } from '../src/ops/doctor/readiness-doc.js';
import { writeOrCheck } from './generated-doc.js';

process.exitCode = await writeOrCheck(
  {
    generator: 'gen-readiness-doc',
    path: READINESS_DOC_PATH,
    regenerate: 'build && npm run docs:readiness',
    render: () => Promise.resolve(renderReadinessDoc()),
  },
  process.argv.slice(2),
);
