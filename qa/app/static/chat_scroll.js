() => { const rows = document.querySelectorAll('#qa-chat .message-row.user-row');
  const last = rows[rows.length - 1]; const wrap = document.querySelector('#qa-chat .bubble-wrap');
  if (last && wrap) wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8; }
