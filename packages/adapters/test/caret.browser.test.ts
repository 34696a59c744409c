// @vitest-environment node
/**
 * The caret in a real browser: a remote edit arriving while the user has a caret or a selection in a bound
 * field leaves it on the same characters, and what the user types next lands where they expect.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, pageErrors } from '../../../test/browser/chromium.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The test page's script, bundled from source the way an app would bundle Ferry. */
async function bundlePage(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: {
      alias: [
        { find: /^@ferry\/core$/, replacement: source('../../core/src/index.ts') },
        { find: /^@ferry\/adapters\/dom$/, replacement: source('../src/dom/index.ts') },
      ],
    },
    build: {
      write: false,
      minify: false,
      lib: { entry: source('./browser/caretPage.ts'), formats: ['iife'], name: 'caretPage' },
    },
  });
  const result = Array.isArray(output) ? output[0]! : output;
  if (!('output' in result)) throw new Error('vite build did not return its output');
  return result.output[0].code;
}

let browser: Browser;
let script: string;

beforeAll(async () => {
  [browser, script] = await Promise.all([launchChromium(), bundlePage()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = pageErrors(page);
  await page.setContent(
    '<!doctype html><textarea rows="4"></textarea><div contenteditable="plaintext-only"></div><div contenteditable="true"></div>',
  );
  await page.addScriptTag({ content: script });
  await page.waitForSelector('body[data-ready=true]');
  return { page, errors };
}

type Field = 'body' | 'title' | 'note';
/** What the test page exposes (see browser/caretPage.ts). */
interface CaretPage {
  local(field: Field): string;
  remoteInsert(field: Field, index: number, text: string): void;
  remoteDelete(field: Field, index: number, length: number): void;
}
/** The page's global; functions given to page.evaluate run in the page, so each names it itself. */
type CaretWindow = { caretPage: CaretPage };

const local = (page: Page, field: Field) =>
  page.evaluate((f) => (globalThis as unknown as CaretWindow).caretPage.local(f), field);
const remoteInsert = (page: Page, field: Field, index: number, text: string) =>
  page.evaluate(([f, i, s]) => (globalThis as unknown as CaretWindow).caretPage.remoteInsert(f, i, s), [
    field,
    index,
    text,
  ] as const);
const remoteDelete = (page: Page, field: Field, index: number, length: number) =>
  page.evaluate(([f, i, n]) => (globalThis as unknown as CaretWindow).caretPage.remoteDelete(f, i, n), [
    field,
    index,
    length,
  ] as const);

/** The textarea's value and selection, with the selected text. */
const textarea = (page: Page) =>
  page.$eval('textarea', (area) => ({
    value: area.value,
    start: area.selectionStart,
    end: area.selectionEnd,
    selected: area.value.slice(area.selectionStart, area.selectionEnd),
  }));

/** The contenteditable's text and the selected text in it. */
const editable = (page: Page, mode = 'plaintext-only') =>
  page.$eval(`[contenteditable=${mode}]`, (element) => ({
    text: element.textContent,
    selected: document.getSelection()?.toString(),
  }));

describe('the caret in Chromium', () => {
  it('stays on the characters the user selected in a textarea while others edit around it', async () => {
    const { page, errors } = await open();
    await page.click('textarea');
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' jumps');
    expect(await local(page, 'body')).toBe('The quick brown fox jumps');

    // Select "quick" with the keyboard, as a user would.
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowRight');
    expect(await textarea(page)).toMatchObject({ start: 4, end: 9, selected: 'quick' });

    await remoteInsert(page, 'body', 0, 'Look: ');
    expect(await textarea(page)).toMatchObject({
      value: 'Look: The quick brown fox jumps',
      selected: 'quick',
    });
    await remoteInsert(page, 'body', 31, ' over');
    await remoteDelete(page, 'body', 0, 6);
    expect(await textarea(page)).toMatchObject({
      value: 'The quick brown fox jumps over',
      selected: 'quick',
    });

    // Typing replaces exactly the selection the user still sees.
    await page.keyboard.type('slow');
    expect(await local(page, 'body')).toBe('The slow brown fox jumps over');
    await remoteInsert(page, 'body', 0, '> ');
    await page.keyboard.type('est');
    expect(await local(page, 'body')).toBe('> The slowest brown fox jumps over');
    expect(await textarea(page)).toMatchObject({
      value: '> The slowest brown fox jumps over',
      start: 13,
      end: 13,
    });
    expect(errors).toEqual([]);
  });

  it('keeps the caret in a contenteditable element through remote edits and new lines', async () => {
    const { page, errors } = await open();
    await page.click('[contenteditable=plaintext-only]');
    await page.keyboard.press('End');
    await page.keyboard.type(' and hound');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Chapter 1');
    expect(await local(page, 'title')).toBe('Fox and hound\nChapter 1');

    await page.keyboard.press('Shift+ArrowLeft');
    expect(await editable(page)).toMatchObject({ selected: '1' });
    await remoteInsert(page, 'title', 0, 'The ');
    await remoteInsert(page, 'title', 17, '!');
    expect(await editable(page)).toEqual({ text: 'The Fox and hound!\nChapter 1', selected: '1' });

    await page.keyboard.type('One');
    expect(await local(page, 'title')).toBe('The Fox and hound!\nChapter One');
    expect(errors).toEqual([]);
  });

  it('reads the lines of a rich contenteditable element as plain text and keeps them as one text node', async () => {
    const { page, errors } = await open();
    await page.click('[contenteditable=true]');
    await page.keyboard.type('Dear Ana,');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Thanks');
    expect(await local(page, 'note')).toBe('Dear Ana,\n\nThanks');
    await remoteInsert(page, 'note', 9, ' and Ben');
    await page.keyboard.type('!');
    expect(await local(page, 'note')).toBe('Dear Ana, and Ben\n\nThanks!');
    expect(await editable(page, 'true')).toMatchObject({ text: 'Dear Ana, and Ben\n\nThanks!' });
    expect(errors).toEqual([]);
  });
});
