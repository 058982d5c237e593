import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cachedPackageFetch, choosePackageSource, hasSelfHostedPackages, resolvePackages, canonicalName,
  DISTRIBUTION_URL, PACKAGE_CACHE, PYODIDE_VERSION, type Lockfile,
} from '../../../src/lib/render/python-packages.ts';
import { vendorPyodide } from '../../../scripts/pyodide-vendor.ts';

const LOCK_PATH = 'node_modules/pyodide/pyodide-lock.json';
const lock = JSON.parse(readFileSync(LOCK_PATH, 'utf8')) as Lockfile;
const MPL_CLOSURE = ['matplotlib', 'contourpy', 'cycler', 'fonttools', 'kiwisolver', 'numpy', 'packaging', 'pillow', 'pyparsing', 'python-dateutil', 'six', 'pytz'];

test('the version constant is the installed npm package’s', () => {
  const pkg = JSON.parse(readFileSync('node_modules/pyodide/package.json', 'utf8')) as { version: string };
  assert.equal(PYODIDE_VERSION, pkg.version);
  assert.equal(DISTRIBUTION_URL, `https://cdn.jsdelivr.net/pyodide/v${pkg.version}/full/`);
});

test('matplotlib resolves to itself and its 11 transitive dependencies in the real lockfile', () => {
  const names = resolvePackages(lock, ['matplotlib']).map((p) => canonicalName(p.name));
  assert.deepEqual([...names].sort(), [...MPL_CLOSURE].sort());
  assert.equal(names[0], 'matplotlib');
  assert.ok(resolvePackages(lock, ['matplotlib']).every((p) => /\.whl$/.test(p.file_name) && /^[0-9a-f]{64}$/.test(p.sha256)));
});

test('depends entries are matched by canonical name; an unknown one is named with its dependant', () => {
  assert.equal(canonicalName('bilby.cython'), 'bilby-cython');
  assert.ok(resolvePackages(lock, ['Cartopy']).length > 1, 'Cartopy → cartopy, with its dependencies');
  const broken: Lockfile = { info: {}, packages: { a: { name: 'a', file_name: 'a.whl', sha256: '', depends: ['ghost'] } } };
  assert.throws(() => resolvePackages(broken, ['a']), /package 'ghost' \(needed by a\) is not in the lockfile/);
});

/** A fake release: the real lockfile and an 8-byte file per wheel it lists. */
function fakeRelease(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyodide-release-'));
  writeFileSync(join(dir, 'pyodide-lock.json'), readFileSync(LOCK_PATH));
  for (const p of Object.values(lock.packages)) writeFileSync(join(dir, p.file_name), `fake ${p.name}`);
  return dir;
}

test('vendor: copies exactly matplotlib’s closure and the lockfile, unchanged', (t) => {
  const release = fakeRelease();
  const out = mkdtempSync(join(tmpdir(), 'pyodide-out-'));
  t.after(() => { rmSync(release, { recursive: true }); rmSync(out, { recursive: true }); });
  const r = vendorPyodide(release, out, { verify: false, coreLockfile: LOCK_PATH });
  const expected = resolvePackages(lock, ['matplotlib']).map((p) => p.file_name);
  assert.deepEqual(readdirSync(out).sort(), [...expected, 'pyodide-lock.json'].sort());
  assert.deepEqual(readFileSync(join(out, 'pyodide-lock.json')), readFileSync(LOCK_PATH));
  assert.equal(r.packages.length, 12);
});

test('vendor: refuses a wheel whose sha256 is not the lockfile’s, a missing wheel, and another release', (t) => {
  const release = fakeRelease();
  const out = join(release, 'out');
  t.after(() => rmSync(release, { recursive: true }));
  assert.throws(() => vendorPyodide(release, out, { coreLockfile: LOCK_PATH }), /sha256 [0-9a-f]{64} does not match the lockfile's/);
  assert.ok(!existsSync(join(out, 'pyodide-lock.json')), 'no lockfile, so the app does not take a half copy for vendored');

  // With sums that match, the same fake wheels pass the check.
  const patched = structuredClone(lock);
  for (const p of Object.values(patched.packages)) p.sha256 = createHash('sha256').update(`fake ${p.name}`).digest('hex');
  writeFileSync(join(release, 'pyodide-lock.json'), JSON.stringify(patched));
  assert.equal(vendorPyodide(release, out, { coreLockfile: LOCK_PATH }).packages.length, 12);

  rmSync(join(release, lock.packages.numpy!.file_name));
  assert.throws(() => vendorPyodide(release, out, { coreLockfile: LOCK_PATH }), /lacks 1 wheel\(s\).*numpy-2\.4\.6/);

  writeFileSync(join(release, 'pyodide-lock.json'), JSON.stringify({ ...patched, info: { ...patched.info, python: '3.13.2' } }));
  assert.throws(() => vendorPyodide(release, out, { coreLockfile: LOCK_PATH }), /release is for python 3\.13\.2.*3\.14\.2/);
  assert.throws(() => vendorPyodide(join(release, 'nowhere'), out), /holds no pyodide-lock\.json/);
});

test('package source: self-hosted first, the distribution only when allowed, else unavailable with the reason', () => {
  const site = 'https://example.org/app/';
  const core = 'https://example.org/app/pyodide-core/';
  assert.deepEqual(choosePackageSource({ selfHosted: true, allowDownload: true, siteBase: site, coreBase: core }), {
    kind: 'self-hosted', lockFileURL: 'https://example.org/app/pyodide/pyodide-lock.json', packageBaseUrl: 'https://example.org/app/pyodide/',
  });
  assert.deepEqual(choosePackageSource({ selfHosted: false, allowDownload: true, siteBase: site, coreBase: core }), {
    kind: 'distribution', lockFileURL: 'https://example.org/app/pyodide-core/pyodide-lock.json', packageBaseUrl: DISTRIBUTION_URL,
  });
  const off = choosePackageSource({ selfHosted: false, allowDownload: false, siteBase: site, coreBase: core });
  assert.equal(off.kind, 'unavailable');
  assert.match(off.kind === 'unavailable' ? off.reason : '', /npm run pyodide:vendor.*is off/);
});

test('self-hosted detection reads the lockfile: an HTML fallback page or a 404 is not a vendored folder', async () => {
  const answer = (body: string, status = 200): typeof fetch => async () => new Response(body, { status });
  assert.equal(await hasSelfHostedPackages('http://x/', answer(JSON.stringify(lock))), true);
  assert.equal(await hasSelfHostedPackages('http://x/', answer('<!doctype html><html></html>')), false);
  assert.equal(await hasSelfHostedPackages('http://x/', answer('', 404)), false);
  assert.equal(await hasSelfHostedPackages('http://x/', answer(JSON.stringify({ info: {}, packages: {} }))), false);
});

test('cached package fetch: a wheel is downloaded once, then served from Cache Storage; other URLs pass through', async () => {
  const store = new Map<string, Response>();
  const opened: string[] = [];
  const caches = {
    open: async (name: string) => {
      opened.push(name);
      return { match: async (url: string) => store.get(url)?.clone(), put: async (url: string, res: Response) => void store.set(url, res) };
    },
  } as unknown as CacheStorage;
  const fetched: string[] = [];
  const network: typeof fetch = async (input) => {
    fetched.push(String(input));
    return String(input).endsWith('missing.whl') ? new Response('no', { status: 404 }) : new Response(`bytes of ${String(input)}`);
  };
  const f = cachedPackageFetch(DISTRIBUTION_URL, network, caches);
  const wheel = `${DISTRIBUTION_URL}numpy.whl`;
  assert.equal(await (await f(wheel)).text(), `bytes of ${wheel}`);
  assert.equal(await (await f(wheel)).text(), `bytes of ${wheel}`);
  assert.equal((await f(`${DISTRIBUTION_URL}missing.whl`)).status, 404);
  assert.equal((await f(`${DISTRIBUTION_URL}missing.whl`)).status, 404);
  await f('https://example.org/other');
  assert.deepEqual(fetched, [wheel, `${DISTRIBUTION_URL}missing.whl`, `${DISTRIBUTION_URL}missing.whl`, 'https://example.org/other']);
  assert.ok(opened.every((n) => n === PACKAGE_CACHE));
});
