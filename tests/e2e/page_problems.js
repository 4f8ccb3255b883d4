() => {
  // What tests/e2e/test_phone_layout.py checks on every page: the problems, in words.
  const problems = [];
  const visible = el => {
    if (!el.getClientRects().length) return false;
    if (el.closest('details:not([open]) > :not(summary)')) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && !el.closest('.visually-hidden, .skip-link');
  };
  const blockOf = el => {
    while (el && getComputedStyle(el).display.startsWith('inline')) el = el.parentElement;
    return el;
  };
  const contentWidth = el => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  // Words broken where they would fit whole on a line of their box.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (!parent || !visible(parent)) continue;
    let box = blockOf(parent);
    if (!box) continue;
    // A flex or grid item may be squeezed below its words' width: the room it could have is
    // its container's.
    if (/(flex|grid)/.test(getComputedStyle(box.parentElement).display)) box = box.parentElement;
    const width = contentWidth(box);
    if (/^(nowrap|pre)$/.test(getComputedStyle(parent).whiteSpace)) continue;
    // Words, between spaces and the marks a line may break after (hyphens, dashes, slashes).
    for (const match of node.textContent.matchAll(/[^\s\-\u2010\u2011\u2013\u2014/]+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Map();
      for (const r of range.getClientRects()) {
        if (r.width > 0) lines.set(Math.round(r.top), r.width);
      }
      if (lines.size < 2) continue;
      const whole = [...lines.values()].reduce((sum, w) => sum + w, 0);
      if (whole <= width) {
        problems.push(`word broken: "${match[0]}" (${Math.round(whole)} px, its box ${Math.round(width)} px)`);
      }
    }
  }
  // Tables wider than their box scroll in a region that says so and takes the focus.
  for (const table of document.querySelectorAll('table')) {
    if (!visible(table)) continue;
    const box = table.parentElement;
    if (table.getBoundingClientRect().width <= box.getBoundingClientRect().width + 1) continue;
    const scroller = table.closest('.table-scroll');
    const cue = scroller && getComputedStyle(scroller).backgroundImage.includes('gradient');
    if (!scroller || !cue) problems.push(`table cut off: ${table.className || table.querySelector('th')?.innerText}`);
  }
  // Scrolling regions are reached with the keyboard (axe: scrollable-region-focusable).
  for (const el of document.querySelectorAll('body *')) {
    const s = getComputedStyle(el);
    const scrolls = (/(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1);
    if (scrolls && visible(el) && el.tabIndex < 0 && !el.querySelector('a[href], button, input, select, textarea, [tabindex="0"]'))
      problems.push(`scrolling region out of the keyboard's reach: ${el.className || el.tagName}`);
  }
  // Targets (WCAG 2.2, 2.5.8): 24 px at least, apart from others when under 44 px; a link in
  // a sentence is exempt.
  const targets = [...document.querySelectorAll('a[href], button, summary, input[type=submit]')]
    .filter(el => visible(el) && !el.closest('.visually-hidden'));
  // In a sentence: an inline link whose block holds other words than its links' and buttons'.
  const inSentence = el => {
    if (el.tagName !== 'A' || !getComputedStyle(el).display.startsWith('inline')) return false;
    const block = blockOf(el.parentElement);
    let words = block.innerText;
    for (const target of block.querySelectorAll('a, button')) words = words.replace(target.innerText, '');
    return /[\p{L}\d]{2}/u.test(words);
  };
  const rects = targets.map(el => el.getBoundingClientRect());
  // The bottom navigation floats over the page, which scrolls under it: no neighbour of it.
  const fixed = targets.map(el => {
    for (let e = el; e; e = e.parentElement) if (getComputedStyle(e).position === 'fixed') return true;
    return false;
  });
  targets.forEach((el, i) => {
    const r = rects[i];
    if (r.width >= 44 && r.height >= 44) return;
    if (inSentence(el)) return;
    const name = (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    if (r.width < 24 || r.height < 24) { problems.push(`target ${Math.round(r.width)}×${Math.round(r.height)} px: "${name}"`); return; }
    rects.forEach((o, j) => {
      if (j !== i && fixed[i] === fixed[j] && !targets[j].contains(el) && !el.contains(targets[j])
          && o.left < r.right - 1 && r.left < o.right - 1 && o.top < r.bottom - 1 && r.top < o.bottom - 1)
        problems.push(`target overlaps another: "${name}" and "${(targets[j].innerText || "").trim().slice(0, 40)}"`);
    });
  });
  // What the markup hides stays hidden: a style that gives it a display shows it anyway (the
  // meeting's answer form showed its hidden Enter-key button as an empty box).
  for (const el of document.querySelectorAll('[hidden]')) {
    if (el.getClientRects().length && !el.closest('.visually-hidden'))
      problems.push(`hidden yet shown: ${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}${el.name ? ' name=' + el.name : ''}`);
  }
  // A disclosure shows its arrow: without it "Nouveau client" reads as plain text.
  for (const summary of document.querySelectorAll('summary')) {
    const marker = getComputedStyle(summary, '::before').content;
    if (visible(summary) && getComputedStyle(summary).display !== 'list-item' && /^(none|normal)$/.test(marker))
      problems.push(`disclosure without its arrow: "${summary.innerText.trim()}"`);
  }
  // Text people read: French punctuation, codes, dates and Markdown.
  const text = document.body.innerText;
  if (document.documentElement.lang.startsWith('fr')) {
    for (const m of text.matchAll(/(^|[^\u00a0\u202f\n])([:;?!])(?=[\s]|$)/gm))
      problems.push(`no non-breaking space before "${m[2]}": "${text.slice(Math.max(0, m.index - 20), m.index + 2).trim()}"`);
  }
  // A help text may teach Markdown ("**bold**"); the rest of the page never shows it raw.
  let shown = text;
  for (const help of document.querySelectorAll('.help')) shown = shown.replace(help.innerText, '');
  for (const m of shown.matchAll(/\b\d+(?:[.,]\d+)?\s(?:HUR|LS|C62|DAY|MON|KGM|MTR)\b|\b\d{4}-\d{2}(?:-\d{2})?\b|(?:^|\n)#{1,6} |\*\*\S/g))
    problems.push(`a code, not words: "${m[0].trim()}"`);
  return problems;
}
