// Installable, and offline (README, "On the phone"): registers the service worker
// (templates/offline/sw.js); on the new-receipt form with no connection, keeps the receipt
// on the phone (static/js/receipt-queue.js) and says how many wait; sends them when the
// connection returns (Background Sync where the browser has it, else at the next page
// opened or the `online` event). At logout the pages kept for offline use are forgotten.
(function () {
  "use strict";
  var queue = self.receiptQueue;
  var PAGES_CACHE = "portal-pages";
  var FORM_PAGE = "/receipts/new";

  // The logged-in member's id, "" when logged out, null on a page that does not say.
  function member() {
    var header = document.querySelector(".topbar[data-member]");
    return header ? header.dataset.member : null;
  }

  function forgetPages() {
    if (self.caches) return caches.delete(PAGES_CACHE);
  }

  // The form is kept from the first page a member opens, so that capture works offline
  // even if they never opened it with a connection.
  function keepFormPage() {
    if (!self.caches || !navigator.onLine) return;
    caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(FORM_PAGE, { ignoreVary: true }).then(function (kept) {
        if (kept) return;
        return fetch(FORM_PAGE, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(FORM_PAGE, response);
        });
      });
    }).catch(function () {});
  }

  function captureForm() {
    return document.querySelector("form[data-offline-capture]");
  }

  // 32 hex digits, the form of the server's keys (portal/expenses/forms.py).
  function newKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function say(form, text, failed) {
    var box = form.querySelector(".upload-status");
    box.textContent = text;
    box.classList.toggle("error", Boolean(failed));
  }

  // "2 dépenses en attente d'envoi": the page carries the sentence for one and for many.
  function showWaiting() {
    var form = captureForm();
    var me = member();
    if (!form || !me || !queue) return;
    var box = form.querySelector(".offline-waiting");
    queue.state(me).then(function (state) {
      var rule = new Intl.PluralRules(document.documentElement.lang).select(state.waiting);
      box.querySelector(".waiting").textContent = state.waiting
        ? box.dataset[rule === "one" ? "one" : "other"].replace("{n}", state.waiting) : "";
      var refused = box.querySelector(".refused");
      refused.hidden = !state.refused.length;
      refused.querySelector(".reason").textContent = state.refused.length
        ? state.refused[0].refused : "";
      box.hidden = !state.waiting && !state.refused.length;
    }).catch(function () {});
  }

  function sendWaiting() {
    if (!queue || !member() || !navigator.onLine) return;
    queue.state(member()).then(function (state) {
      if (state.waiting) return queue.sendAll().then(showWaiting, showWaiting);
    }).catch(function () {});
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("receipts");
    }).catch(function () {});
  }

  function keep(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "file") fields.push([name, value]);
    });
    var file = form.querySelector("input[type=file]").files[0] || null;
    return queue.add({
      member: member(),
      action: form.action,
      fields: fields,
      file: file,
      fileName: file ? file.name : null,
      savedAt: Date.now(),
    }).then(function () {
      form.reset();
      form.querySelector("[name=idempotency_key]").value = newKey();
      form.querySelector(".file-chosen").textContent = "";
      form.querySelector(".file-preview").hidden = true;
      say(form, form.dataset.keptMessage, false);
      showWaiting();
      askForSync();
    }, function () {
      say(form, form.dataset.failedMessage, true);
    });
  }

  // A refused receipt goes back into the form, to be corrected and sent as usual.
  function resume(form) {
    queue.state(member()).then(function (state) {
      var receipt = state.refused[0];
      if (!receipt) return;
      receipt.fields.forEach(function (field) {
        var input = form.elements.namedItem(field[0]);
        if (input && input.type === "radio") {
          form.querySelectorAll("[name='" + field[0] + "']").forEach(function (radio) {
            radio.checked = radio.value === field[1];
          });
        } else if (input) {
          input.value = field[1];
        }
      });
      if (receipt.file) {
        var chosen = new DataTransfer();
        chosen.items.add(new File([receipt.file], receipt.fileName, { type: receipt.file.type }));
        form.querySelector("input[type=file]").files = chosen.files;
        form.querySelector(".file-chosen").textContent = receipt.fileName;
      }
      return queue.remove(receipt.id).then(showWaiting);
    }).catch(function () {});
  }

  // Before htmx (capture phase): with no connection, the form is kept rather than sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-logout]")) forgetPages();
    if (!form.matches("form[data-offline-capture]") || navigator.onLine || !queue) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.reportValidity()) keep(form);
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-resume-refused]");
    if (button) resume(button.form);
  });

  // A fresh key each time the form is shown: a copy kept for offline use, shown again, must
  // not repeat the key of a receipt already sent.
  function formShown(form) {
    form.querySelector("[name=idempotency_key]").value = newKey();
    showWaiting();
  }

  // Each page shown: the first, then each one a boosted link swaps in (its new header).
  function pageShown() {
    var me = member();
    if (me === "") forgetPages(); // logged out, here or in another tab
    if (captureForm()) formShown(captureForm());
    if (me) {
      keepFormPage();
      sendWaiting();
    }
  }

  document.addEventListener("htmx:load", function (event) {
    var element = event.target;
    if (element === document.body || element.matches(".topbar")) pageShown();
    else if (element.matches("form[data-offline-capture]")) formShown(element);
  });
  if (!self.htmx) pageShown();

  self.addEventListener("online", sendWaiting);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    navigator.serviceWorker.addEventListener("message", showWaiting);
  }
})();
