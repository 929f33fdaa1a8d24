() => { setTimeout(() => { const t = document.querySelector('.doc-view section.target');
  if (!t) return; let h = t.previousElementSibling;
  while (h && !h.classList.contains('doc-h')) h = h.previousElementSibling;
  const view = t.closest('.doc-view');
  const far = h && (t.getBoundingClientRect().top - h.getBoundingClientRect().top) > view.clientHeight * 0.6;
  view.scrollIntoView({block: 'start'});
  const anchor = (h && !far) ? h : t;
  view.scrollTop += anchor.getBoundingClientRect().top - view.getBoundingClientRect().top - 4; }, 300); }
