// Destructive or irreversible actions ask first. A form marked data-confirm (by the
// post_button macro) opens the page's <dialog> instead of posting; "Cancel" or Escape
// closes it and nothing is sent; the confirming button posts the form with confirmed=1,
// which the server waits for (without JavaScript it asks on a page of its own).
// Listening on the document in the capture phase runs before htmx, and keeps working
// after htmx swaps the page.
(function () {
  "use strict";
  // Every page loads this script: it tells the stylesheet that JavaScript runs (`.js`).
  document.documentElement.classList.add("js");
  var pending = null; // {form, submitter} while the dialog is open

  function dialog() {
    return document.getElementById("confirm-dialog");
  }

  function ask(form, submitter) {
    var box = dialog();
    if (!box || typeof box.showModal !== "function") return false;
    pending = { form: form, submitter: submitter };
    box.querySelector("#confirm-question").textContent = form.dataset.confirm;
    var detail = box.querySelector("#confirm-detail");
    detail.textContent = form.dataset.confirmDetail || "";
    detail.hidden = !form.dataset.confirmDetail;
    box.querySelector("[data-confirm-yes]").textContent =
      form.dataset.confirmAction || box.dataset.defaultAction;
    box.showModal(); // focus goes to "Cancel" (autofocus): the safe answer
    return true;
  }

  function post(form, submitter) {
    var flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirmed";
    flag.value = "1";
    form.appendChild(flag);
    // The form's data are read during the submit event: the flag can go at once, so a
    // form htmx leaves on the page asks again next time.
    if (submitter && submitter.form === form) form.requestSubmit(submitter);
    else form.requestSubmit();
    flag.remove();
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-confirm]")) return;
      if (form.querySelector("input[name=confirmed]")) return; // confirmed: let it go
      if (ask(form, event.submitter)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var box = dialog();
    if (!box || !box.open || !box.contains(event.target)) return;
    var button = event.target.closest("button");
    if (!button) return;
    var answer = pending;
    if (button.hasAttribute("data-confirm-yes")) {
      pending = null;
      box.close();
      post(answer.form, answer.submitter);
    } else if (button.hasAttribute("data-confirm-no")) {
      box.close();
    }
  });

  // However it closes (Cancel, Escape), focus returns to the button that asked.
  document.addEventListener(
    "close",
    function (event) {
      if (event.target !== dialog()) return;
      var answer = pending;
      pending = null;
      if (!answer) return;
      var back = answer.submitter || answer.form.querySelector("button");
      if (back && document.contains(back)) back.focus();
    },
    true
  );
})();
