// Small behaviours shared by every page; htmx does the requests.
document.addEventListener("htmx:afterSettle", () => {
  // A freshly swapped-in form marks the field that should take the keyboard
  // next. The swap may have replaced the request's own target, so search the
  // page, and drop the mark so later swaps elsewhere do not move focus again.
  const focus = document.querySelector("[data-focus-after-swap]");
  if (focus) {
    focus.removeAttribute("data-focus-after-swap");
    focus.focus();
  }
});
