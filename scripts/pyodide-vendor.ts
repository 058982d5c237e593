// `npm run pyodide:vendor -- PATH [--packages matplotlib,…] [--out public/pyodide]`
// Copies Matplotlib (or the named packages) and every dependency the lockfile lists, plus the lockfile,
// from an unpacked Pyodide release (pyodide-314.0.7.tar.bz2 from Pyodide's GitHub releases) into the
// site, so the app loads them from its own origin and works offline. Each wheel's sha256 is checked
// against the lockfile; the release must be the npm package's (same Python, ABI and platform).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePackages, PYODIDE_VERSION, type Lockfile, type LockPackage } from '../src/lib/render/python-packages';

export interface VendorOptions {
  packages?: string[];
  /** Check each wheel's sha256 against the lockfile (on by default; tests with fake wheels turn it off). */
  verify?: boolean;
  /** The lockfile the app's core was built with; the release must match it. */
  coreLockfile?: string;
}

export interface VendorReport {
  out: string;
  packages: { name: string; file: string; bytes: number }[];
  bytes: number;
}

export function vendorPyodide(release: string, out: string, o: VendorOptions = {}): VendorReport {
  const lockPath = join(release, 'pyodide-lock.json');
  if (!existsSync(lockPath)) throw new Error(`${release} holds no pyodide-lock.json: give the folder of an unpacked Pyodide ${PYODIDE_VERSION} release`);
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as Lockfile;
  const core = JSON.parse(readFileSync(o.coreLockfile ?? 'node_modules/pyodide/pyodide-lock.json', 'utf8')) as Lockfile;
  for (const key of ['python', 'abi_version', 'platform', 'arch'] as const) {
    if (lock.info[key] !== core.info[key])
      throw new Error(`the release is for ${key} ${String(lock.info[key])}, the app's Pyodide core (npm pyodide ${PYODIDE_VERSION}) for ${String(core.info[key])}: use the ${PYODIDE_VERSION} release`);
  }
  const wanted = resolvePackages(lock, o.packages ?? ['matplotlib']);
  const missing = wanted.filter((p) => !existsSync(join(release, p.file_name)));
  if (missing.length) throw new Error(`${release} lacks ${missing.length} wheel(s) the lockfile lists: ${missing.map((p) => p.file_name).slice(0, 5).join(', ')}`);
  mkdirSync(out, { recursive: true });
  const copied: VendorReport['packages'] = [];
  for (const p of wanted) {
    const src = join(release, p.file_name);
    if (o.verify !== false) checkSha256(src, p);
    copyFileSync(src, join(out, p.file_name));
    copied.push({ name: p.name, file: p.file_name, bytes: readFileSync(src).length });
  }
  // The lockfile goes last: the app takes its presence to mean the wheels are all there.
  writeFileSync(join(out, 'pyodide-lock.json'), readFileSync(lockPath));
  return { out, packages: copied, bytes: copied.reduce((s, p) => s + p.bytes, 0) };
}

function checkSha256(file: string, p: LockPackage): void {
  const sum = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (sum !== p.sha256) throw new Error(`${p.file_name}: sha256 ${sum} does not match the lockfile's ${p.sha256}; the file is damaged or from another release`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const packages = flag('packages')?.split(',').filter(Boolean);
  const out = flag('out') ?? 'public/pyodide';
  const release = args[0];
  if (!release) {
    console.error(`usage: npm run pyodide:vendor -- PATH [--packages matplotlib,…] [--out public/pyodide]\n  PATH: an unpacked Pyodide ${PYODIDE_VERSION} release (pyodide-${PYODIDE_VERSION}.tar.bz2)`);
    process.exit(2);
  }
  try {
    const r = vendorPyodide(release, out, { packages });
    for (const p of r.packages) console.log(JSON.stringify(p));
    console.log(JSON.stringify({ summary: true, command: 'pyodide:vendor', out: r.out, packages: r.packages.length, bytes: r.bytes }));
  } catch (err) {
    console.log(JSON.stringify({ summary: true, command: 'pyodide:vendor', ok: false, error: (err as Error).message }));
    process.exit(1);
  }
}
