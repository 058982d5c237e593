// What the test commands need beyond node_modules, set up on a fresh Debian machine: Chromium for the
// browser tests (`npm test`) and training/.venv for the model-factory tests (`npm run test:factory`).
// Debian packages are installed when running as root; otherwise the command stops with the one line to run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromiumPath } from './browser';

export class SetupError extends Error {}

const run = (cmd: string, args: string[], env: Record<string, string> = {}): number =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

function aptInstall(pkg: string, why: string): void {
  if (process.getuid?.() !== 0) throw new SetupError(`${why}. Run: sudo apt-get update && sudo apt-get install -y ${pkg}`);
  console.log(`${why}: installing it (apt-get install -y ${pkg})`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], env) || run('apt-get', ['install', '-y', '-qq', pkg], env)) {
    throw new SetupError(`apt-get install -y ${pkg} failed; run it by hand to see why`);
  }
}

/** Chromium for the browser tests: found (CHROME_PATH or Debian's path), else installed. */
export function ensureChromium(): string {
  try {
    return chromiumPath();
  } catch {
    aptInstall('chromium', 'Chromium is missing (the browser tests drive it; CHROME_PATH can point at another build)');
    return chromiumPath();
  }
}

const VENV = 'training/.venv';
const REQUIREMENTS = 'training/requirements.txt';
const STAMP = `${VENV}/requirements.sha256`; // the hash of the requirements the venv was last built from

/** training/.venv built from the pinned requirements with the machine's pip configuration; its python. */
export function ensureFactoryPython(): string {
  const python = resolve(VENV, 'bin/python');
  const want = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(python) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === want) return python;
  if (!existsSync(python)) {
    // Debian's python3 has no venv/ensurepip without python3-venv (which also brings python3 itself)
    if (spawnSync('python3', ['-c', 'import ensurepip, venv']).status !== 0) aptInstall('python3-venv', 'python3 cannot create a venv');
    console.log(`creating ${VENV}`);
    if (run('python3', ['-m', 'venv', VENV])) throw new SetupError(`python3 -m venv ${VENV} failed`);
  }
  console.log(`installing ${REQUIREMENTS} into ${VENV} (torch is large: this takes minutes once)`);
  if (run(python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', REQUIREMENTS])) {
    throw new SetupError(`pip install -r ${REQUIREMENTS} failed: see pip's message above`);
  }
  writeFileSync(STAMP, `${want}\n`);
  return python;
}
