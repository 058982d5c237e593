// The test commands. `npm test`: type-check, unit tests in Node, build, browser tests in headless
// Chromium (one file at a time: SwiftShader WebGPU is CPU-bound). `npm run test:factory`: the Python
// model-factory tests, in training/.venv. What a stage needs is set up first (scripts/lib/setup.ts).
//   node --import tsx scripts/test.ts [unit|browser|factory]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium, ensureFactoryPython, SetupError } from './lib/setup';

const testFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)).sort();

const run = (cmd: string, args: string[], env: Record<string, string> = {}): boolean => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status === 0;
};
const nodeTest = (concurrency: number, files: string[], env: Record<string, string> = {}): boolean =>
  run('node', ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], env);

const stages: Record<string, () => boolean> = {
  check: () => run('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings']),
  unit: () => nodeTest(2, testFiles('tests/unit')),
  browser: () => run('npx', ['vite', 'build', '--logLevel', 'warn']) && nodeTest(1, testFiles('tests/browser')),
};

const only = process.argv[2];
try {
  if (only === 'factory') {
    // the last line printed is the node test runner's summary
    const python = ensureFactoryPython();
    process.exit(nodeTest(1, testFiles('tests/factory'), { FACTORY_PYTHON: python }) ? 0 : 1);
  }
  const chosen = only ? [only] : Object.keys(stages);
  if (chosen.some((s) => !stages[s])) throw new SetupError(`unknown stage '${only}'; one of: unit, browser, factory`);
  if (chosen.includes('browser')) ensureChromium(); // before a long unit stage, not after it
  const results = chosen.map((name) => {
    const t0 = performance.now();
    const ok = stages[name]!();
    return { name, ok, s: Math.round((performance.now() - t0) / 1000) };
  });
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  const times = results.map((r) => `${r.name} ${r.s} s`).join(', ');
  console.log(failed.length ? `\nnpm test: failed: ${failed.join(', ')} (${times})` : `\nnpm test: all stages passed (${times})`);
  process.exit(failed.length ? 1 : 0);
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  console.error(`\n${only === 'factory' ? 'npm run test:factory' : 'npm test'}: ${e.message}`);
  process.exit(1);
}
