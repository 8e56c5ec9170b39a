// Layout problems of the open page, as a JSON list of strings (empty when the page fits its viewport):
// an element sticking out of its container sideways, a box whose content is cut or scrolls sideways,
// a note wrapped one word per line, the same note twice in one table row.
JSON.stringify((() => {
  const problems = [];
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const where = e => {
    const parts = [];
    for (let x = e; x && x !== document.body && parts.length < 5; x = x.parentElement) parts.unshift(name(x));
    const section = e.closest('section[id]');
    return (section ? '#' + section.id + ': ' : '') + parts.join(' > ');
  };
  const text = e => (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in a ${vw} px window`);
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;  // an SVG is checked as a whole
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not rendered (a closed <details>)
    const p = e.parentElement;
    const pr = p.getBoundingClientRect();
    const ps = getComputedStyle(p);
    const inner = pr.right - parseFloat(ps.borderRightWidth || 0);
    if (r.right > inner + 1 && p.tagName.toLowerCase() !== 'html')
      problems.push(`${where(e)} sticks out of its container by ${Math.round(r.right - inner)} px ("${text(e)}")`);
    const cs = getComputedStyle(e);
    if (e.scrollWidth > e.clientWidth + 1 && cs.display !== 'inline' && e.clientWidth > 0)
      problems.push(`${where(e)} content is ${e.scrollWidth - e.clientWidth} px wider than its box ` +
                    `(overflow-x: ${cs.overflowX}; "${text(e)}")`);
  }
  for (const e of document.querySelectorAll('.reason, .note, td, th')) {
    const words = (e.textContent || '').trim().split(/\s+/).filter(Boolean).length;
    const lh = parseFloat(getComputedStyle(e).lineHeight) || 16;
    const lines = Math.round(e.getBoundingClientRect().height / lh);
    if (words >= 5 && lines >= 0.6 * words)
      problems.push(`${where(e)} wraps ${words} words onto ${lines} lines ("${text(e)}")`);
  }
  for (const row of document.querySelectorAll('tr')) {
    const seen = new Set();
    for (const note of row.querySelectorAll('.reason:not(.stat)')) {  // a stat label (n = 12) is no note
      if (note.closest('tr') !== row) continue;
      const t = text(note);
      if (t.split(' ').length >= 3 && seen.has(t)) problems.push(`${where(row)} repeats the note "${t}"`);
      seen.add(t);
    }
  }
  return [...new Set(problems)];
})())
