// The model factory's python: training/.venv, built by `npm run test:factory` (scripts/lib/setup.ts),
// which passes its path here.
import { existsSync } from 'node:fs';

export const PYTHON = process.env.FACTORY_PYTHON ?? 'training/.venv/bin/python';
if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`npm run test:factory\`, which creates it`);
