// A jest reporter that names each file with skipped tests once, after the summary, with the title of what was
// skipped (the live test's title says which variables run it). Jest's own summary only counts them.
const { relative } = require("node:path");

class SkippedReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const lines = [];
    for (const file of results.testResults) {
      const skipped = file.testResults.filter((test) => test.status === "pending" || test.status === "skipped");
      if (skipped.length === 0) continue;
      const titles = [...new Set(skipped.map((test) => test.ancestorTitles[0] ?? test.title))];
      const count = skipped.length === 1 ? "1 test" : `${skipped.length} tests`;
      lines.push(`SKIPPED ${relative(this.rootDir, file.testFilePath)} (${count}): ${titles.join("; ")}`);
    }
    if (lines.length > 0) process.stderr.write(`${lines.join("\n")}\n`);
  }
}

module.exports = SkippedReporter;
