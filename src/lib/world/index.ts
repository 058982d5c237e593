// Public API of the SGP world (what the app, workers, scripts and tests import).
export { randomItem, makeItem, CATEGORIES, CATEGORY_NAMES, type ItemRequest } from './generate.ts';
export { buildMiniBench, loadBenchmark, importCompBench, parseBenchmarkFile, checkFileSize, benchmarkSummary, BUNDLED_BENCHMARKS, MINIBENCH_COUNTS, type Benchmark, type BenchItem, type BenchSummary } from './bench.ts';
export { IMPORT_LIMITS, BenchmarkError } from './validate.ts';
export { heldOutCombos } from './heldout.ts';
export { corrupt, CORRUPTIONS, type Corruption } from './corrupt.ts';
export { hackProgram, HACKS, type Hack } from './hacks.ts';
export { captionOverlay, textOnlySvg } from './overlay.ts';
export { sceneSvg } from './svg.ts';
export { KINDS, KIND_NAMES, PRIMITIVES, ICONIC } from './kinds.ts';
export { COLORS } from './palette.ts';
export { makeRng, itemRng } from './rng.ts';
export { SPLITS, RELATIONS, CANVAS, type WorldItem, type SceneSpec, type GroupSpec, type ObjectSpec, type RelationSpec, type Split } from './spec.ts';
