// Approval queue: "Select all of this week" checks the rows of one group.
// Without JavaScript the rows are checked one by one, so the control stays hidden.
function showGroupSelectors(root) {
  root.querySelectorAll(".select-group[hidden]").forEach((label) => {
    label.hidden = false;
  });
}

document.addEventListener("DOMContentLoaded", () => showGroupSelectors(document));
document.addEventListener("htmx:afterSettle", () => showGroupSelectors(document));

document.addEventListener("change", (event) => {
  const groupId = event.target.dataset ? event.target.dataset.selectGroup : undefined;
  if (!groupId) {
    return;
  }
  document
    .querySelectorAll(`input[name="selected"][data-group="${groupId}"]`)
    .forEach((box) => {
      box.checked = event.target.checked;
    });
});
