// Small behaviours shared by every page; htmx does the requests.
document.addEventListener("htmx:afterSwap", (event) => {
  // After a quick-log form comes back, focus the first field marked for it.
  const target = event.detail.target;
  const focus = target && target.querySelector("[data-focus-after-swap]");
  if (focus) {
    focus.focus();
  }
});
