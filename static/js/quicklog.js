// Agent pages: the quick-log bar, its ticket combobox, the header timer and
// the keyboard moves of the week grid. htmx does every request; this script
// only moves focus, opens and closes things and ticks the timer.
(() => {
  "use strict";

  const SEQUENCE_TIMEOUT_MS = 1000;

  // --- Quick-log bar ---------------------------------------------------------

  let focusBeforeBar = null;
  let pendingG = 0;

  function bar() {
    return document.getElementById("quick-bar");
  }

  function barToggle() {
    return document.getElementById("quick-bar-toggle");
  }

  function focusBarField() {
    const body = document.getElementById("quick-bar-body");
    const marked = body && body.querySelector("[data-focus-after-swap]");
    const field = marked || (body && body.querySelector("[data-combobox]"));
    if (marked) marked.removeAttribute("data-focus-after-swap");
    if (field) field.focus();
  }

  // Open the bar. With load, fetch its form the first time; a stopped timer
  // sends the form itself, so it opens the bar without loading.
  function openBar(load = true) {
    const element = bar();
    if (!element) return;
    if (element.hidden) {
      focusBeforeBar = document.activeElement;
      element.hidden = false;
      barToggle()?.setAttribute("aria-expanded", "true");
    }
    const body = document.getElementById("quick-bar-body");
    if (load && body && !body.querySelector("form")) {
      // The afterSettle listener below focuses the loaded form's field.
      htmx.ajax("GET", element.dataset.formUrl, { target: body, swap: "innerHTML" });
      return;
    }
    if (load) focusBarField();
  }

  // htmx 2.0.11 binds the triggers of swapped-in fields when it settles the
  // swap, after the promise of htmx.ajax resolves. Focusing the ticket field
  // only then lets its "focus" trigger load the ticket list, and no key typed
  // into the field arrives before its "input" trigger is bound.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target.id === "quick-bar-body" && !bar()?.hidden) focusBarField();
  });

  function closeBar() {
    const element = bar();
    if (!element || element.hidden) return;
    element.hidden = true;
    barToggle()?.setAttribute("aria-expanded", "false");
    const back = focusBeforeBar;
    focusBeforeBar = null;
    if (back && back.isConnected && back !== document.body) back.focus();
    else barToggle()?.focus();
  }

  function isTyping(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || target.closest("input, textarea, select"))
    );
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyL") {
      event.preventDefault();
      openBar();
      return;
    }
    if (event.key === "Escape" && bar() && !bar().hidden && bar().contains(event.target)) {
      event.preventDefault();
      closeBar();
      return;
    }
    // "g" then "l", typed outside a field within a second, opens the bar too.
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "g") {
      pendingG = Date.now();
    } else if (event.key === "l" && Date.now() - pendingG < SEQUENCE_TIMEOUT_MS) {
      pendingG = 0;
      event.preventDefault();
      openBar();
    } else {
      pendingG = 0;
    }
  });

  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element)) return;
    if (event.target.closest("#quick-bar-toggle")) {
      if (bar()?.hidden) openBar();
      else closeBar();
    } else if (event.target.closest("[data-quick-bar-close]")) {
      closeBar();
    }
  });

  document.body.addEventListener("openQuickBar", () => openBar(false));
  document.body.addEventListener("closeQuickBar", closeBar);

  // --- Ticket combobox (ARIA 1.2 pattern) -----------------------------------

  function listOf(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function options(input) {
    const list = listOf(input);
    return list ? [...list.querySelectorAll('[role="option"]')] : [];
  }

  function activeIndex(input) {
    const id = input.getAttribute("aria-activedescendant");
    return options(input).findIndex((option) => option.id === id);
  }

  function setActive(input, index) {
    const all = options(input);
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0 || index >= all.length) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function showList(input, show) {
    const list = listOf(input);
    if (!list) return;
    const visible = show && options(input).length > 0;
    list.hidden = !visible;
    input.setAttribute("aria-expanded", String(visible));
    if (!visible) setActive(input, -1);
  }

  // Put the option's ticket key into the field and go on to the next field.
  function pick(input, option) {
    input.value = option.dataset.value;
    showList(input, false);
    if (input.matches("[data-combobox-submit]")) {
      input.form.requestSubmit();
      return;
    }
    const fields = [...input.form.querySelectorAll("input:not([type=hidden]), select, textarea")];
    const next = fields[fields.indexOf(input) + 1];
    (next || input).focus();
  }

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("[data-combobox]")) return;
    const list = listOf(input);
    const open = list && !list.hidden;
    const count = options(input).length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      input.removeAttribute("data-combobox-quiet");
      if (!count) return;
      event.preventDefault();
      if (!open) showList(input, true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive(input, (activeIndex(input) + step + count) % count);
    } else if (event.key === "Enter" && open && activeIndex(input) >= 0) {
      event.preventDefault();
      pick(input, options(input)[activeIndex(input)]);
    } else if (event.key === "Escape" && open) {
      // The first Escape closes the list, the second one the bar.
      event.preventDefault();
      event.stopImmediatePropagation();
      showList(input, false);
    } else if (event.key === "Tab") {
      showList(input, false);
    }
  }, true);

  document.addEventListener("mousedown", (event) => {
    const option = event.target instanceof Element && event.target.closest('[role="option"]');
    if (!option) return;
    const input = document.querySelector(`[aria-controls="${option.parentElement.id}"]`);
    if (!input) return;
    event.preventDefault(); // keeps the focus in the field
    pick(input, option);
  });

  document.addEventListener("focusout", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.matches("[data-combobox]")) {
      showList(input, false);
    }
  });

  // A quiet field (data-combobox-quiet) keeps the list that its focus loaded
  // closed, because on the bar's fresh form after a logged entry the list
  // would cover the notice. Typing or an arrow key shows the list again.
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.matches("[data-combobox-quiet]")) {
      input.removeAttribute("data-combobox-quiet");
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const list = event.detail.target;
    if (!(list instanceof HTMLElement) || list.getAttribute("role") !== "listbox") return;
    const input = document.querySelector(`[aria-controls="${list.id}"]`);
    if (!input) return;
    const quiet = input.hasAttribute("data-combobox-quiet");
    showList(input, document.activeElement === input && !quiet);
  });

  // --- Header timer ----------------------------------------------------------

  // The server sends the elapsed seconds at render time, and the page adds the
  // time since it received them. A skewed client clock therefore does not
  // matter.
  const receivedAt = new WeakMap();

  function formatClock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = String(Math.floor(seconds / 60) % 60).padStart(2, "0");
    const rest = String(seconds % 60).padStart(2, "0");
    return `${hours}:${minutes}:${rest}`;
  }

  function tick() {
    for (const clock of document.querySelectorAll("[data-timer-elapsed]")) {
      if (!receivedAt.has(clock)) receivedAt.set(clock, performance.now());
      let seconds = Number(clock.dataset.timerElapsed);
      if (clock.dataset.timerRunning === "true") {
        seconds += Math.floor((performance.now() - receivedAt.get(clock)) / 1000);
      }
      clock.textContent = formatClock(seconds);
    }
  }

  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);

  // --- Week grid -------------------------------------------------------------

  // Up and down move between the cells of a day, as in a spreadsheet; Tab and
  // Shift+Tab already move along a ticket's row.
  document.addEventListener("keydown", (event) => {
    const cell = event.target;
    if (!(cell instanceof HTMLInputElement) || !cell.matches("[data-grid-day]")) return;
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const column = [...document.querySelectorAll(`[data-grid-day="${cell.dataset.gridDay}"]`)];
    const next = column[column.indexOf(cell) + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    }
  });

  document.body.addEventListener("openGridDialog", () => {
    const dialog = document.getElementById("grid-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });
})();
