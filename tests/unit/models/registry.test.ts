// The model registry in Node: ids, URLs, variant choice by device, external data and architecture checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { HUB_ORIGINS, MODELS, DEFAULT_POLICY, lookupModel, fileUrl, graphFile, chooseVariant, usableVariants, externalDataFiles, checkArchitecture, VARIANTS } from '../../../src/lib/models/registry';
import { allocate, overall } from '../../../src/lib/models/hub';
import { outOfMemory } from '../../../src/lib/models/load';

const bases = { bundled: 'https://site.example/app/models/' };
const wasm = { device: 'wasm', shaderF16: false } as const;
const gpu = { device: 'webgpu', shaderF16: false } as const;
const gpuF16 = { device: 'webgpu', shaderF16: true } as const;

test('the registry is frozen and lists the bundled models and the hub examples', () => {
  assert.ok(Object.isFrozen(MODELS) && Object.isFrozen(MODELS[DEFAULT_POLICY]) && Object.isFrozen(MODELS[DEFAULT_POLICY]!.variants));
  for (const id of ['sgp-tiny-policy', 'sgp-tiny-siglip', 'sgp-tiny-dino', 'onnx-community/Qwen2.5-Coder-0.5B-Instruct', 'Xenova/siglip-base-patch16-224', 'Xenova/dinov2-small']) assert.ok(MODELS[id], id);
  assert.equal(MODELS['sgp-tiny-siglip']!.task, 'text-image-encoder');
  assert.deepEqual(MODELS['sgp-tiny-siglip']!.graphs, ['text_model', 'vision_model']);
});

test('every file and variant graph a bundled entry names exists in public/models', () => {
  for (const e of Object.values(MODELS).filter((m) => m.source === 'bundled')) {
    for (const f of e.files) assert.ok(existsSync(`public/models/${e.id}/${f}`), `${e.id}/${f}`);
    for (const v of e.variants) {
      for (const g of e.graphs) {
        const file = graphFile(g, v);
        assert.ok(existsSync(`public/models/${e.id}/${file}`), `${e.id}/${file}`);
        for (const d of externalDataFiles(file, {}, e)) assert.ok(existsSync(`public/models/${e.id}/${d}`), `${e.id}/${d}`);
      }
    }
    assert.ok(e.variants.some((v) => v.name === e.defaultQuantized), `${e.id} default ${e.defaultQuantized}`);
  }
});

test('bundled ids resolve under the site, hub ids under huggingface.co or a given hub', () => {
  assert.equal(fileUrl(lookupModel('sgp-tiny-policy'), 'onnx/model.onnx', bases), 'https://site.example/app/models/sgp-tiny-policy/onnx/model.onnx');
  const q = lookupModel('onnx-community/Qwen2.5-Coder-0.5B-Instruct');
  assert.equal(fileUrl(q, 'config.json', bases), 'https://huggingface.co/onnx-community/Qwen2.5-Coder-0.5B-Instruct/resolve/main/config.json');
  assert.equal(fileUrl(q, 'onnx/model_q4.onnx', { ...bases, hub: 'http://127.0.0.1:9/hub' }), 'http://127.0.0.1:9/hub/onnx-community/Qwen2.5-Coder-0.5B-Instruct/resolve/main/onnx/model_q4.onnx');
});

test('an unlisted hub id is a policy decoder with every transformers.js variant', () => {
  const e = lookupModel('someone/Tiny-Llama_1.1B');
  assert.equal(e.task, 'policy');
  assert.equal(e.source, 'hub');
  assert.deepEqual(e.variants.map((v) => v.name), Object.keys(VARIANTS));
});

test('unknown ids are refused with the known ones named; odd ids are quoted short', () => {
  assert.throws(() => lookupModel('sgp-huge'), /^Error: unknown model 'sgp-huge'; known: sgp-tiny-policy, sgp-tiny-siglip, sgp-tiny-dino, onnx-community\/Qwen2\.5-Coder-0\.5B-Instruct/);
  for (const bad of ['../etc/passwd', 'a/b/c', 'org/../x', '/abs', 'org/', 'constructor', '__proto__']) assert.throws(() => lookupModel(bad), /unknown model/, bad);
  const long = 'x'.repeat(5000);
  assert.throws(() => lookupModel(long), (err: Error) => err.message.length < 400);
});

test('variant by device: WASM gets the quantized default, WebGPU fp32, fp16 only with shader-f16', () => {
  const policy = lookupModel('sgp-tiny-policy');
  assert.equal(chooseVariant(policy, wasm).name, 'model_quantized');
  assert.equal(chooseVariant(policy, gpu).name, 'model');
  assert.equal(chooseVariant(policy, gpuF16).name, 'model'); // the bundled policy has no fp16 variant
  const hub = lookupModel('onnx-community/Qwen2.5-Coder-0.5B-Instruct');
  assert.equal(chooseVariant(hub, gpuF16).name, 'model_fp16');
  assert.equal(chooseVariant(hub, gpu).name, 'model');
  assert.ok(!usableVariants(hub, gpu).some((v) => v.dtype.endsWith('16')));
  assert.ok(!usableVariants(hub, { device: 'wasm', shaderF16: true }).some((v) => v.dtype.endsWith('16')));
  assert.equal(chooseVariant(hub, wasm, 'model_q4').name, 'model_q4');
  assert.throws(() => chooseVariant(hub, gpu, 'model_fp16'), /variant 'model_fp16' of onnx-community\/Qwen2\.5-Coder-0\.5B-Instruct needs WebGPU with shader-f16, and this device runs webgpu without shader-f16; usable here: model, model_quantized, model_q4$/);
  assert.throws(() => chooseVariant(policy, wasm, 'model_int3'), /variant 'model_int3' of sgp-tiny-policy is not a variant of it; usable here: model, model_quantized$/);
});

test('external data files follow transformers.js_config.use_external_data_format', () => {
  const cfg = (v: unknown) => ({ 'transformers.js_config': { use_external_data_format: v } });
  assert.deepEqual(externalDataFiles('onnx/model.onnx', {}), []);
  assert.deepEqual(externalDataFiles('onnx/model.onnx', cfg(true)), ['onnx/model.onnx_data']);
  assert.deepEqual(externalDataFiles('onnx/model.onnx', cfg(3)), ['onnx/model.onnx_data', 'onnx/model.onnx_data_1', 'onnx/model.onnx_data_2']);
  assert.deepEqual(externalDataFiles('onnx/model_fp16.onnx', cfg({ 'model_fp16.onnx': 2, 'model_q4.onnx': false })), ['onnx/model_fp16.onnx_data', 'onnx/model_fp16.onnx_data_1']);
  assert.deepEqual(externalDataFiles('onnx/model_q4.onnx', cfg({ 'model_fp16.onnx': 2, 'model_q4.onnx': false })), []);
  assert.deepEqual(externalDataFiles('onnx/model.onnx', cfg(1e9)), [], 'an absurd chunk count is ignored');
  const policy = lookupModel('sgp-tiny-policy');
  assert.deepEqual(externalDataFiles('onnx/model.onnx', {}, policy), ['onnx/policy_weights.onnx_data'], 'bundled: listed in the entry');
  assert.deepEqual(externalDataFiles('onnx/model_quantized.onnx', {}, policy), []);
});

test('policies must be llama or qwen2 decoders; encoders are not checked', () => {
  const bundled = JSON.parse(readFileSync('public/models/sgp-tiny-policy/config.json', 'utf8'));
  checkArchitecture(lookupModel('sgp-tiny-policy'), bundled);
  checkArchitecture(lookupModel('org/qwen'), { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] });
  const dino = JSON.parse(readFileSync('public/models/sgp-tiny-dino/config.json', 'utf8'));
  assert.throws(() => checkArchitecture(lookupModel('org/dino'), dino), /^Error: org\/dino is a 'dinov2' model \(Dinov2Model\); the sampler runs decoders of type llama, qwen2$/);
  assert.throws(() => checkArchitecture(lookupModel('org/x'), {}), /org\/x is a model without a model_type; the sampler runs decoders of type llama, qwen2/);
  checkArchitecture(lookupModel('sgp-tiny-dino'), dino);
});

test('a buffer the process cannot hold is an out-of-memory error naming the size', () => {
  assert.throws(() => allocate(2 ** 52, 'https://h/x.onnx'), /^Error: out of memory: https:\/\/h\/x\.onnx needs 4503599\.63 GB/);
  try {
    new ArrayBuffer(2 ** 52);
  } catch (err) {
    assert.ok(outOfMemory(err) || /Invalid array buffer length/.test((err as Error).message), (err as Error).message);
  }
  assert.ok(outOfMemory(new Error('Aborted(OOM)')));
  assert.ok(outOfMemory(new Error("Can't create a session. failed to allocate a buffer of size 123")));
  assert.ok(!outOfMemory(new Error('protobuf parsing failed')));
});

test('overall progress sums files and is unknown while any total is', () => {
  const f = (received: number, total: number | null) => ({ file: 'f', received, total, fromCache: false, done: received === total });
  assert.deepEqual(overall({ a: f(5, 10), b: f(3, 3) }), { received: 8, total: 13, files: 2, done: 1 });
  assert.equal(overall({ a: f(5, null), b: f(3, 3) }).total, null);
});

test('index.html and headless.html allow exactly this site and the hub origins in connect-src', () => {
  for (const page of ['index.html', 'headless.html']) {
    const policy = readFileSync(page, 'utf8').match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
    const connect = policy.split(';').map((d) => d.trim().split(/\s+/)).find((d) => d[0] === 'connect-src');
    assert.deepEqual(connect?.slice(1), ["'self'", ...HUB_ORIGINS], page);
  }
});
