// Where the Python worker gets Pyodide packages (Matplotlib and its dependencies) from, and which
// wheels a package needs. The npm package ships only the core; the wheels come from a Pyodide
// distribution: a folder the user vendored into the site (`npm run pyodide:vendor`), or the official
// CDN for the exact version, which is fetched only when the user allowed it.

/** The installed `pyodide` npm package's version; the wheels must come from the same release (a test checks). */
export const PYODIDE_VERSION = '314.0.7';
/** The official distribution for that version (Pyodide's own default `cdnUrl`). */
export const DISTRIBUTION_URL = `https://cdn.jsdelivr.net/pyodide/v${PYODIDE_VERSION}/full/`;
/** The site folder `npm run pyodide:vendor` fills (public/pyodide/ → dist/pyodide/). */
export const SELF_HOSTED_DIR = 'pyodide/';
/** Cache Storage name for wheels fetched from the distribution, so they load offline afterwards. */
export const PACKAGE_CACHE = `pyodide-packages-v${PYODIDE_VERSION}`;

export interface LockPackage {
  name: string;
  file_name: string;
  sha256: string;
  depends: string[];
  version?: string;
  package_type?: string;
}

export interface Lockfile {
  info: { abi_version?: string; arch?: string; platform?: string; python?: string };
  packages: Record<string, LockPackage>;
}

/** PEP 503 normalisation: the lockfile's keys are canonical, its `depends` lists are not ("Cartopy", "bilby.cython"). */
export const canonicalName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * The packages `names` need, dependencies first-found order, each once: what loadPackage would fetch.
 * Throws naming the unknown package and who asked for it.
 */
export function resolvePackages(lock: Lockfile, names: string[]): LockPackage[] {
  const out = new Map<string, LockPackage>();
  const visit = (name: string, from: string | null): void => {
    const key = canonicalName(name);
    if (out.has(key)) return;
    const pkg = lock.packages[key];
    if (!pkg) throw new Error(`package '${name.slice(0, 80)}'${from ? ` (needed by ${from})` : ''} is not in the lockfile`);
    out.set(key, pkg);
    for (const dep of pkg.depends) visit(dep, pkg.name);
  };
  for (const name of names) visit(name, null);
  return [...out.values()];
}

export type PackageSource =
  | { kind: 'self-hosted' | 'distribution'; lockFileURL: string; packageBaseUrl: string }
  | { kind: 'unavailable'; reason: string };

/**
 * Self-hosted packages when the site has them; else the distribution when the user allowed the
 * download; else none, with the reason the UI shows. `lockFileURL` is always a same-origin copy of the
 * lockfile (the vendored one, or the core's own from the npm package), so the sha256 sums the worker
 * checks wheels against never come from the CDN itself.
 */
export function choosePackageSource(o: { selfHosted: boolean; allowDownload: boolean; siteBase: string; coreBase: string }): PackageSource {
  if (o.selfHosted) {
    const base = new URL(SELF_HOSTED_DIR, o.siteBase).href;
    return { kind: 'self-hosted', lockFileURL: new URL('pyodide-lock.json', base).href, packageBaseUrl: base };
  }
  if (o.allowDownload) return { kind: 'distribution', lockFileURL: new URL('pyodide-lock.json', o.coreBase).href, packageBaseUrl: DISTRIBUTION_URL };
  return {
    kind: 'unavailable',
    reason:
      `Matplotlib is unavailable: this site has no self-hosted Pyodide packages (${SELF_HOSTED_DIR}; \`npm run pyodide:vendor -- PATH\` adds them) ` +
      `and downloading them from the Pyodide distribution (${DISTRIBUTION_URL}) is off. Python without Matplotlib runs offline.`,
  };
}

/**
 * Whether the site carries vendored packages: its `pyodide/pyodide-lock.json` parses and lists
 * Matplotlib. (A dev server answers a missing file with index.html and status 200, so the body is read.)
 */
export async function hasSelfHostedPackages(siteBase: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(new URL(`${SELF_HOSTED_DIR}pyodide-lock.json`, siteBase), { cache: 'no-cache' });
    if (!res.ok) return false;
    const lock = (await res.json()) as Partial<Lockfile>;
    return typeof lock.packages === 'object' && lock.packages !== null && 'matplotlib' in lock.packages;
  } catch {
    return false; // absent or not JSON: not vendored
  }
}

/**
 * A fetch for the worker's package loading: wheels under `baseUrl` are answered from Cache Storage
 * when present and stored there after a successful download, so a distribution fetched once loads
 * offline. The HTTP cache alone is not enough: the browser may evict it at any time and offline
 * reloads skip it under memory pressure. Other URLs pass through unchanged.
 */
export function cachedPackageFetch(baseUrl: string, fetchImpl: typeof fetch, cacheStorage: CacheStorage): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(baseUrl)) return fetchImpl(input, init);
    const cache = await cacheStorage.open(PACKAGE_CACHE);
    const hit = await cache.match(url);
    if (hit) return hit;
    const res = await fetchImpl(input, init);
    // Only whole, successful answers are kept; integrity is still checked by Pyodide on every load.
    if (res.ok && res.status === 200) await cache.put(url, res.clone());
    return res;
  };
}
