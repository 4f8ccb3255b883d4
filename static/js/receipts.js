// Receipt capture: camera or file on one input, a preview, an upload progress bar, and a
// clear message when the upload fails (the form, and what was typed, stay on the page).
// Delegated from the document, so it works after htmx swaps the page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function uploadForm(element) {
    return element && element.closest ? element.closest("form.upload-form") : null;
  }

  function status(form, text, failed) {
    var box = form.querySelector(".upload-status");
    if (box) {
      box.textContent = text;
      box.classList.toggle("error", Boolean(failed));
    }
  }

  // "Take a photo" opens the camera; "Choose a file" the gallery or files (PDF too).
  document.addEventListener("click", function (event) {
    var label = event.target.closest && event.target.closest("label[data-capture]");
    if (!label) return;
    var input = document.getElementById(label.htmlFor);
    if (!input) return;
    if (label.dataset.capture === "camera") {
      input.setAttribute("accept", "image/*");
      input.setAttribute("capture", "environment");
    } else {
      input.removeAttribute("capture");
      input.setAttribute("accept", input.dataset.accept || input.getAttribute("accept"));
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = uploadForm(input);
    if (!form || input.type !== "file") return;
    var file = input.files && input.files[0];
    // Too large: said at once, rather than after minutes of sending on a slow connection.
    var limit = Number(input.dataset.maxBytes || 0);
    if (file && limit && file.size > limit) {
      input.value = "";
      file = null;
      status(form, form.dataset.tooLargeMessage, true);
    } else {
      status(form, "", false);
    }
    form.querySelector(".file-chosen").textContent = file ? file.name : "";
    var preview = form.querySelector(".file-preview");
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = true;
    if (file && /^image\/(jpeg|png)$/.test(file.type)) {
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.target);
    if (!form) return;
    var bar = form.querySelector(".upload-progress");
    bar.value = 0;
    bar.hidden = false;
    status(form, form.dataset.sendingMessage, false);
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
    if (!form || !event.detail.lengthComputable || !event.detail.total) return;
    form.querySelector(".upload-progress").value =
      Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  function failed(event) {
    var form = uploadForm(event.target);
    if (!form) return;
    form.querySelector(".upload-progress").hidden = true;
    var tooLarge = event.detail.xhr && event.detail.xhr.status === 413;
    status(form, tooLarge ? form.dataset.tooLargeMessage : form.dataset.failedMessage, true);
  }
  // Error pages replace the page for other htmx requests; an upload keeps its form instead,
  // with what was typed, and says what happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (uploadForm(event.detail.requestConfig.elt) && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:timeout", failed);

  // The photo of a receipt: a tap toggles between fitted and full size (scrollable).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.zoomable");
    if (!link) return;
    event.preventDefault();
    link.closest(".photo-frame").classList.toggle("zoomed");
  });
})();
