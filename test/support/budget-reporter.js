// A jest reporter that prints one line after the summary: the run's wall time and the time of its files, split
// into the suite (every file but the twin's) and the twin's own tests (test/twin-*), which have their own budget.
// It sums each file's own duration; with several workers the sums overlap, so it says so and how many ran.
const { basename } = require("node:path");

const isTwin = (file) => basename(file).startsWith("twin-");

class BudgetReporter {
  constructor(globalConfig) {
    this.workers = globalConfig.maxWorkers;
  }

  onRunComplete(_contexts, results) {
    const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const sums = { suite: 0, twin: 0 };
    const counts = { suite: 0, twin: 0 };
    for (const file of results.testResults) {
      const { start, end } = file.perfStats;
      const part = isTwin(file.testFilePath) ? "twin" : "suite";
      sums[part] += end - start;
      counts[part] += 1;
    }
    if (counts.suite + counts.twin === 0) return;
    const wall = Date.now() - results.startTime;
    process.stderr.write(
      `TIME ${seconds(wall)} wall on ${this.workers} worker(s); files summed: suite ${seconds(sums.suite)} ` +
        `(${counts.suite} files), twin ${seconds(sums.twin)} (${counts.twin} files)\n`,
    );
  }
}

module.exports = BudgetReporter;
