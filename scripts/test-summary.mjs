// Prints one closing line for the whole suite (vitest + Playwright), from their JSON reports.
import { readFileSync } from 'node:fs';

function read(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const unit = read('test-results/vitest.json');
const e2e = read('test-results/playwright.json');
if (unit === null || e2e === null) {
  process.stderr.write('test-summary: missing test-results/vitest.json or test-results/playwright.json\n');
  process.exit(1);
}
const passed = unit.numPassedTests + e2e.stats.expected + (e2e.stats.flaky ?? 0);
const failed = unit.numFailedTests + e2e.stats.unexpected;
const skipped = unit.numPendingTests + (unit.numTodoTests ?? 0) + e2e.stats.skipped;
process.stdout.write(
  `\nvitest: ${unit.numPassedTests} passed, ${unit.numFailedTests} failed; playwright: ${e2e.stats.expected} passed, ${e2e.stats.unexpected} failed\n`,
);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
