() => { setTimeout(() => { const t = document.querySelector('.doc-view section.target');
  if (t) t.scrollIntoView({block: 'center'}); }, 300); }
