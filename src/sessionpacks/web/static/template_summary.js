// The product set-up form's summary, kept in step with what is typed. The words come from the
// server (the form's data-summary-url), the same function that describes the templates list, so
// the page never says a product two ways. Without this script, "Preview summary" does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-summary-url]");
  if (!form) {
    return;
  }
  var shown = document.getElementById(form.getAttribute("data-summary-target"));
  if (!shown) {
    return;
  }
  var url = form.getAttribute("data-summary-url");
  var asked = 0;
  var timer = null;

  // The typed terms only: the CSRF token and the idempotency key stay out of the address.
  function terms() {
    var found = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.tagName === "BUTTON") {
        return;
      }
      if (field.type === "hidden" && field.name !== "kind") {
        return;
      }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) {
        return;
      }
      found.append(field.name, field.value);
    });
    return found;
  }

  function refresh() {
    asked += 1;
    var mine = asked;
    fetch(url + "?" + terms().toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/plain" },
    })
      .then(function (answer) {
        return answer.ok ? answer.text() : null;
      })
      .then(function (said) {
        // An answer to an older question, overtaken while it travelled, is dropped.
        if (said !== null && mine === asked) {
          shown.textContent = said;
        }
      })
      .catch(function () {
        // Offline or signed out: the summary stays as it was; "Preview summary" still works.
      });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 150);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
