// Channel form: show only the settings of the chosen kind (without JavaScript, all are shown and
// the server reads only the chosen kind's fields).
"use strict";
document.querySelectorAll("[data-kind-select]").forEach((select) => {
  const form = select.form;
  const show = () => form.querySelectorAll(".kind-fields").forEach((set) => {
    set.hidden = set.dataset.kind !== select.value;
  });
  select.addEventListener("change", show);
  show();
});
