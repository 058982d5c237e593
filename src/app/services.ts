// App-wide handles on the workers, created once. Components receive state, never these.
import { createSvgPool, type SvgPool } from '../lib/workers/svg-client';
import { PythonRenderer, detectPackageSource } from '../lib/workers/python-render';
import { MlClient } from '../lib/workers/ml-client';
import { PolicyClient } from '../lib/workers/policy-client';
import { EncoderClient, RewardScorer } from '../lib/workers/encoder-client';

let svgPool: SvgPool | null = null;

export function svgRenderer(): SvgPool {
  svgPool ??= createSvgPool({
    workers: Math.min(2, Math.max(1, (navigator.hardwareConcurrency || 2) - 1)),
    fontUrl: new URL('fonts/DejaVuSans.ttf', document.baseURI).href,
  });
  return svgPool;
}

let ml: { client: MlClient; policy: PolicyClient } | null = null;

/** The ml worker (onnxruntime-web) and the policy sampler on it; the worker starts on first use. */
export function mlServices(): { client: MlClient; policy: PolicyClient } {
  if (!ml) {
    const client = new MlClient();
    ml = { client, policy: new PolicyClient(client) };
  }
  return ml;
}


const DOWNLOAD_KEY = 'sgp-studio.python.download';
let python: Promise<PythonRenderer> | null = null;

/**
 * Whether the user allowed downloading Pyodide packages from the official distribution. Kept in
 * localStorage, not in the shareable URL settings: a link must not switch network access on.
 */
export function pythonDownloadAllowed(): boolean {
  try {
    return localStorage.getItem(DOWNLOAD_KEY) === 'yes';
  } catch {
    return false; // storage refused (privacy mode): the default, offline
  }
}

export function setPythonDownloadAllowed(allowed: boolean): void {
  try {
    localStorage.setItem(DOWNLOAD_KEY, allowed ? 'yes' : 'no');
  } catch {
    // kept for this page only: the renderer below is rebuilt either way
  }
  void python?.then((r) => r.dispose());
  python = detectPackageSource(allowed).then((source) => new PythonRenderer(source));
}

/** The Python renderer; Pyodide starts on the first program, so pages without Python never load it. */
export function pythonRenderer(): Promise<PythonRenderer> {
  python ??= detectPackageSource(pythonDownloadAllowed()).then((source) => new PythonRenderer(source));
  return python;
}

let reward: { encoders: EncoderClient; scorer: RewardScorer } | null = null;

/** Reward scoring: renders in the svg pool, encoders (loaded when a preset needs them) in the ml worker. */
export function rewardServices(): { encoders: EncoderClient; scorer: RewardScorer } {
  if (!reward) {
    const encoders = new EncoderClient(mlServices().client);
    reward = { encoders, scorer: new RewardScorer(svgRenderer(), encoders) };
  }
  return reward;
}

/** The reward scorer the Playground ranks groups with: the same encoders as the Train page. */
export const rewardScorer = (): RewardScorer => rewardServices().scorer;
