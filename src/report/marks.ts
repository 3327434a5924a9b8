/**
 * Pass / fail / warning marks for the HTML report, drawn as inline SVG.
 *
 * The emoji ✅ ❌ need an emoji font, and a browser without one (Debian's Chromium
 * with only DejaVu and Liberation installed, many CI containers) draws an empty box
 * instead. Shapes drawn by the browser itself render wherever SVG does. They take
 * the colour of their CSS class (currentColor), are 1em square so they sit in a
 * line of text, and carry a label for screen readers and a tooltip.
 */

export type MarkKind = 'pass' | 'fail' | 'warn';

const CLASS: Record<MarkKind, string> = { pass: 'good', fail: 'bad', warn: 'warn' };
const LABEL: Record<MarkKind, string> = { pass: 'passed', fail: 'failed', warn: 'warning' };

/** The 16×16 drawing: a filled disc or triangle with a white stroke symbol on it. */
const SHAPE: Record<MarkKind, string> = {
  pass:
    '<circle cx="8" cy="8" r="8" fill="currentColor"/>' +
    '<path d="M4.4 8.3l2.4 2.4 4.8-5" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>',
  fail:
    '<circle cx="8" cy="8" r="8" fill="currentColor"/>' +
    '<path d="M5.3 5.3l5.4 5.4M10.7 5.3l-5.4 5.4" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round"/>',
  warn:
    '<path d="M8 .6 15.6 14.6H.4z" fill="currentColor" stroke="currentColor" stroke-width=".8" stroke-linejoin="round"/>' +
    '<path d="M8 5.6v4.2" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>' +
    '<circle cx="8" cy="12.3" r="1" fill="#fff"/>',
};

/** An inline SVG mark, e.g. `mark('fail')` in a table cell or before a sentence. */
export function mark(kind: MarkKind): string {
  return `<svg class="mark ${CLASS[kind]}" data-mark="${kind}" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label="${LABEL[kind]}"><title>${LABEL[kind]}</title>${SHAPE[kind]}</svg>`;
}

/** CSS for the marks (sized in em so they follow the surrounding text). */
export const MARK_STYLE = '.mark{width:1.05em;height:1.05em;vertical-align:-0.17em;flex:none}';
