// Prints the plain closing line that CI reads in any language: "Tests: N passed, N failed".
// In CI (CI=true) every suite must run: a skipped test fails the run (jest exits 1 on a reporter's error).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : '');
    process.stdout.write(`\n${line}\n`);
    if (skipped && process.env.CI) {
      const suites = results.testResults.filter((r) => r.numPendingTests + r.numTodoTests > 0).map((r) => r.testFilePath);
      this.error = new Error(`CI runs every suite, but ${skipped} test(s) were skipped in: ${suites.join(', ')}`);
      process.stdout.write(`${this.error.message}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}
module.exports = SummaryReporter;
