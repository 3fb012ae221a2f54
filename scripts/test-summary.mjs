// Sums the Vitest JSON reports of a CI run into one closing line: "tests: N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const dir = '.tmp/test-reports';
const total = { passed: 0, failed: 0, skipped: 0, failedFiles: 0 };
for (const file of existsSync(dir) ? readdirSync(dir) : []) {
  const report = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  total.passed += report.numPassedTests ?? 0;
  total.failed += report.numFailedTests ?? 0;
  total.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  total.failedFiles += report.numFailedTestSuites ?? 0;
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 || total.failedFiles > 0 || total.passed === 0 ? 1 : 0;
