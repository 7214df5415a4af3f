// Small behaviours shared by every page; htmx does the requests.

// The loaded page focuses its field through autofocus. The same field's swap
// mark would otherwise stay until the next swap, such as the duration preview
// arriving while the user types elsewhere, and pull the focus back.
for (const element of document.querySelectorAll("[data-focus-after-swap]")) {
  element.removeAttribute("data-focus-after-swap");
}

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

// In a form marked data-enter-submits, Enter in a text area submits the form,
// as it does in a text input, so a quick entry can be typed without the mouse.
// Shift+Enter still starts a new line, and Enter that confirms an IME
// composition is left alone.
document.addEventListener("keydown", (event) => {
  const area = event.target;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (!(area instanceof HTMLTextAreaElement)) return;
  const form = area.closest("form[data-enter-submits]");
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
});
