() => {
  // The page is Chinese whatever the browser's language: Gradio sets <html lang> from it.
  const root = document.documentElement;
  const zh = () => { if (root.lang !== 'zh-CN') root.lang = 'zh-CN'; };
  zh(); new MutationObserver(zh).observe(root, {attributes: true, attributeFilter: ['lang']});
  const rows = () => [...document.querySelectorAll('#search-results .lk-row')];
  const open = (btn) => {
    const box = btn.closest('.lk'); const i = btn.dataset.i;
    box.querySelectorAll('.lk-pane').forEach(p => { p.hidden = p.dataset.i !== i; });
    box.querySelectorAll('.lk-row').forEach(r => r.setAttribute('aria-current', String(r === btn)));
    const pane = box.querySelector(`.lk-pane[data-i="${i}"]`);
    const r = pane.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 80) pane.scrollIntoView({block: 'start'});
  };
  const copy = () => {
    const pane = document.querySelector('#search-results .lk-pane:not([hidden])');
    if (!pane) return;
    const ta = pane.querySelector('textarea'); const say = document.querySelector('#search-results .lk-copied');
    const done = () => { if (say) say.textContent = '已复制答复口径'; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(ta.value).then(done, () => { ta.select(); document.execCommand('copy'); done(); });
    } else { ta.select(); document.execCommand('copy'); done(); }
  };
  document.addEventListener('click', (e) => {
    const btn = e.target.closest && e.target.closest('#search-results .lk-row');
    if (btn) { open(btn); return; }
    if (e.target.closest && e.target.closest('#search-results .lk-copy')) copy();
  });
  document.addEventListener('keydown', (e) => {
    const t = e.target; const typing = t.matches && t.matches('input, textarea, select, [contenteditable]');
    if (e.key === '/' && !typing) {
      const q = document.querySelector('#search-query textarea, #search-query input');
      if (q && q.offsetParent !== null) { e.preventDefault(); q.focus(); }
      return;
    }
    const list = rows(); if (!list.length) return;
    const at = list.indexOf(t);
    if (e.key === 'ArrowDown' && t.closest && t.closest('#search-query')) { e.preventDefault(); list[0].focus(); return; }
    if (at < 0) { if ((e.key === 'c' || e.key === 'C') && !typing && t.closest && t.closest('#search-results')) copy(); return; }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = list[Math.max(0, Math.min(list.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      next.focus(); next.scrollIntoView({block: 'nearest'});
    } else if (e.key === 'c' || e.key === 'C') { e.preventDefault(); copy(); }
  });
}
