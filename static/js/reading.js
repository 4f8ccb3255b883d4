// Reading a receipt's file as soon as it is chosen (POST /receipts/read, through htmx): the
// file input asks for it with the "receipt-file-chosen" event once receipts.js has checked
// the file (loaded before this file, its handler runs first: a file too large is cleared
// there and never sent). While the file is read the status says so; if the reading cannot
// answer, the form simply stays to type.
(function () {
  "use strict";
  if (self.portalReading) return; // swapped in again by htmx: already listening
  self.portalReading = true;

  function readingInput(element) {
    return element && element.matches && element.matches("input[type=file][data-read-url]")
      ? element
      : null;
  }

  document.addEventListener("change", function (event) {
    var input = readingInput(event.target);
    if (input && input.files && input.files.length && window.htmx) {
      window.htmx.trigger(input, "receipt-file-chosen");
    }
  });

  // A reading that answers after the form was saved (the page has moved on) is dropped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var input = readingInput(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (input && !document.body.contains(input)) event.detail.shouldSwap = false;
  });

  function say(input, text) {
    var box = input.form && input.form.querySelector(".upload-status");
    if (box) {
      box.textContent = text || "";
      box.classList.remove("error");
    }
    var bar = input.form && input.form.querySelector(".upload-progress");
    if (bar && !text) bar.hidden = true;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var input = readingInput(event.detail.elt);
    if (input) say(input, input.dataset.readingMessage);
  });

  function unanswered(event) {
    var input = readingInput(event.detail.elt);
    if (input) say(input, "");
  }
  document.addEventListener("htmx:sendError", unanswered);
  document.addEventListener("htmx:responseError", unanswered);
  document.addEventListener("htmx:timeout", unanswered);
})();
