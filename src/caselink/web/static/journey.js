// Shows only the fields of the kind of step chosen. Without script every kind's fields show;
// the server reads only the chosen kind's.
document.querySelectorAll("[data-step-select]").forEach(function (select) {
  var form = select.form;
  function show() {
    form.querySelectorAll("[data-step-fields]").forEach(function (set) {
      set.hidden = set.getAttribute("data-step-fields") !== select.value;
    });
  }
  select.addEventListener("change", show);
  show();
});
