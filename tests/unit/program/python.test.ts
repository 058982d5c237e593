import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFigureSize, detectLanguage, extractPython, importedModules, outputLine, MAX_FIGURE_PIXELS } from '../../../src/lib/program/python.ts';

const BAR = `import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 4))\nax.bar([0], [1], color='red')`;

test('a ```python fence: the code without the fence, its offsets framing it', () => {
  const out = `Here is the chart:\n\n\`\`\`python\n${BAR}\n\`\`\`\n\nIt shows one red bar.`;
  const x = extractPython(out);
  assert.equal(x.kind, 'complete');
  assert.ok(x.inFence);
  assert.equal(x.code, BAR);
  assert.equal(out.slice(x.start, x.end), x.code);
  assert.equal(outputLine(out, x, 1), 4, 'line 1 of the program is line 4 of the output');
});

test('the last python fence wins; an svg fence and untagged prose fences are not python', () => {
  const out = `\`\`\`py\nprint(1)\n\`\`\`\n\`\`\`\nsome shell text\n\`\`\`\n\`\`\`python3\nprint(2)\n\`\`\`\n\`\`\`svg\n<svg/>\n\`\`\``;
  assert.equal(extractPython(out).code, 'print(2)');
  assert.equal(detectLanguage(out), 'svg', 'the last tagged fence decides the language');
});

test('an untagged fence counts when its body reads as Python', () => {
  const x = extractPython(`Try this:\n\`\`\`\nimport math\nprint(math.pi)\n\`\`\``);
  assert.equal(x.kind, 'complete');
  assert.equal(x.code, 'import math\nprint(math.pi)');
});

test('<answer>: the code inside the last answer block, even with code in the reasoning before it', () => {
  const out = `<think>\nmaybe \`\`\`python\nprint("draft")\n\`\`\`\n</think>\n<answer>\n\`\`\`python\nprint("final")\n\`\`\`\n</answer>`;
  const x = extractPython(out);
  assert.ok(x.inAnswer);
  assert.equal(x.code, 'print("final")');
  const bare = extractPython(`<answer>\n${BAR}\n</answer>`);
  assert.equal(bare.code, BAR);
  assert.ok(bare.inAnswer && !bare.inFence);
});

test('bare code: prose lines before the first statement are skipped', () => {
  const out = `Sure! The figure follows.\n${BAR}\n`;
  const x = extractPython(out);
  assert.equal(x.kind, 'complete');
  assert.equal(x.code, BAR);
  assert.equal(outputLine(out, x, 2), 3);
});

test('an unclosed fence is partial and runs to the end of the region', () => {
  const x = extractPython(`\`\`\`python\nimport numpy as np\nx = np.arange(`);
  assert.equal(x.kind, 'partial');
  assert.equal(x.code, 'import numpy as np\nx = np.arange(');
});

test('nothing Python: none; SVG output is detected as SVG', () => {
  assert.equal(extractPython('I cannot draw that.').kind, 'none');
  assert.equal(detectLanguage('I cannot draw that.'), null);
  assert.equal(detectLanguage('<answer><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg></answer>'), 'svg');
  assert.equal(extractPython('<svg xmlns="http://www.w3.org/2000/svg">\n<rect x="1"/>\n</svg>').kind, 'none');
  assert.equal(detectLanguage(BAR), 'python');
  assert.equal(detectLanguage('x = 1', 'prog.py'), 'python', 'a .py file is Python whatever it holds');
  assert.equal(detectLanguage('```python\nsvg = "<svg></svg>"\nprint(svg)\n```'), 'python', 'a python fence beats an <svg> inside a string');
});

test('figure size: literal figsize × dpi above the budget is refused, naming both and the limit', () => {
  assert.equal(checkFigureSize(BAR), null);
  assert.equal(checkFigureSize('plt.savefig("a.png", dpi=300)\nfig = plt.figure(figsize=(10, 8))'), null, '3000 × 2400 fits');
  const r = checkFigureSize('fig = plt.figure(figsize=(100, 80))\nplt.savefig("a.png", dpi=300)');
  assert.ok(r);
  assert.equal(r.limit, 'maxFigurePixels');
  assert.match(r.message, /figsize=\(100, 80/);
  assert.match(r.message, /dpi=300/);
  assert.match(r.message, /30000 × 24000 px/);
  assert.ok(checkFigureSize('fig.set_size_inches(500, 500)'), '50000 × 50000 at the default 100 dpi');
  assert.ok(checkFigureSize("plt.rcParams['figure.dpi'] = 5000"), 'the default figure at 5000 dpi');
  assert.ok(checkFigureSize('plt.figure(figsize=(1e5, 1))'));
  assert.equal(checkFigureSize('plt.figure(figsize=(40.96, 20.48))'), null, 'exactly the budget: 4096 × 2048 px');
  assert.ok(checkFigureSize('plt.figure(figsize=(40.96, 20.49))'), 'one row of pixels over it');
  assert.equal(MAX_FIGURE_PIXELS, 4096 * 2048);
});

test('imported modules: top-level names of import and from-import statements', () => {
  const code = 'import numpy as np, math\nfrom matplotlib import pyplot as plt\nimport os.path\n  import PIL.Image  # indented\nx = "import fake"\nfrom . import sibling';
  assert.deepEqual(importedModules(code), ['numpy', 'math', 'os', 'PIL', 'matplotlib']);
});
