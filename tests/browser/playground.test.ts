import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';

let session: Session;
let page: Page;

before(async () => {
  session = await openSession();
  page = await session.newPage('index.html');
});
after(async () => session?.close());

/** Reads one pixel of the rendered canvas, scaled from the canvas's own resolution. */
async function canvasPixel(x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=render]')!;
      return [...c.getContext('2d')!.getImageData(px, py, 1, 1).data];
    },
    [x, y] as const,
  );
}

async function paste(text: string): Promise<void> {
  await page.fill('[data-testid=editor]', text);
}

test('pasting an SVG renders it: red at the centre of a red circle', async () => {
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="30" fill="#ff0000"/></svg>');
  await page.waitForSelector('[data-testid=render-info]');
  await page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=render]');
    return c && c.width === 224 && c.getContext('2d')!.getImageData(112, 112, 1, 1).data[1] === 0;
  });
  assert.deepEqual(await canvasPixel(112, 112), [255, 0, 0, 255]);
  assert.deepEqual(await canvasPixel(3, 3), [255, 255, 255, 255]);
});

test('model output with chatter and <answer> renders the extracted program', async () => {
  await paste('Sure! Here it is:\n<answer><svg viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/></svg></answer>\nHope that helps.');
  await page.waitForFunction(() => document.querySelector('[data-testid=extraction]')?.textContent?.includes('inside <answer>'));
  await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid=render]')!.getContext('2d')!.getImageData(112, 112, 1, 1).data[2] === 255);
  assert.deepEqual(await canvasPixel(112, 112), [0, 0, 255, 255]);
});

test('a partial program still streaming in renders what is there so far', async () => {
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0f0"/><circle cx="5" cy="5" r="2" fi');
  await page.waitForFunction(() => document.querySelector('[data-testid=extraction]')?.textContent?.startsWith('Partial'));
  await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid=render]')!.getContext('2d')!.getImageData(112, 112, 1, 1).data[1] === 255);
  assert.deepEqual(await canvasPixel(112, 112), [0, 255, 0, 255]);
});

test('a script in the editor never runs and nothing raw reaches the DOM', async () => {
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="window.__pwned=1"><script>window.__pwned=2</script><rect width="10" height="10" fill="#0ff"/></svg>');
  await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid=render]')!.getContext('2d')!.getImageData(112, 112, 1, 1).data[0] === 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.evaluate(() => document.querySelectorAll('main svg, main script').length), 0);
});

test('the draft survives a reload', async () => {
  const text = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#123456"/></svg>';
  await paste(text);
  await page.waitForFunction((t) => Object.values(localStorage).includes(t), text); // the draft is stored
  await page.reload();
  assert.equal(await page.inputValue('[data-testid=editor]'), text);
});

test('malformed input shows a clear error instead of a picture', async () => {
  await paste('<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"></svg>');
  const alert = await page.waitForSelector('[data-testid=render-error]');
  assert.match((await alert.textContent()) ?? '', /Render failed \(parse\)/);
});

test('rule results are listed: a <text> program fails the no-text rule', async () => {
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><text x="10" y="50">a red circle</text></svg>');
  await page.waitForSelector('[data-rule=no-text][data-status=fail]');
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="30" fill="red"/></svg>');
  await page.waitForSelector('[data-rule=no-text][data-status=pass]');
  assert.equal(await page.getAttribute('[data-rule=blank-render]', 'data-status'), 'pass');
  assert.equal(await page.getAttribute('[data-rule=well-formed]', 'data-status'), 'pass');
});

test('random prompt draws from the world, is kept in the URL, and loads its reference program', async () => {
  const first = await page.textContent('[data-testid=prompt]');
  await page.click('[data-testid=random-prompt]');
  await page.waitForFunction((p) => document.querySelector('[data-testid=prompt]')?.textContent !== p, first);
  const prompt = await page.textContent('[data-testid=prompt]');
  assert.match(page.url(), /#seed=\d+/);
  await page.reload();
  assert.equal(await page.textContent('[data-testid=prompt]'), prompt, 'the seed in the URL restores the prompt');
  await page.click('[data-testid=load-reference]');
  await page.waitForSelector('[data-rule=no-text][data-status=pass]');
  assert.match(await page.inputValue('[data-testid=editor]'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 256 256">/);
  assert.equal(await page.getAttribute('[data-rule=blank-render]', 'data-status'), 'pass');
});

test('the verifier judges the render against the prompt: the reference scores 1, a blank canvas low', async () => {
  await page.click('[data-testid=load-reference]');
  await page.waitForSelector('[data-testid=verdict][data-score="1.000"]');
  await paste('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><rect width="256" height="256" fill="white"/></svg>');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=verdict]')?.getAttribute('data-score')) < 0.3);
});
