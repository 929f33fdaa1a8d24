() => {
  const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
  const last = rows[rows.length - 1];
  if (last) last.scrollIntoView({block: 'start'});
  if (window.qaCopyReady) return;
  window.qaCopyReady = true;
  const fallback = (text) => {
    const t = document.createElement('textarea');
    t.value = text; document.body.appendChild(t); t.select();
    try { document.execCommand('copy'); } finally { t.remove(); }
  };
  document.addEventListener('click', (e) => {
    const b = e.target.closest ? e.target.closest('button.qa-copy') : null;
    if (!b) return;
    const text = b.dataset.copy || '';
    window.qaCopied = text;
    const done = () => { b.textContent = '已复制'; setTimeout(() => { b.textContent = '复制回答'; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => { fallback(text); done(); });
    } else { fallback(text); done(); }
  });
}
