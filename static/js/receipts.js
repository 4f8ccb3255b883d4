// Receipt capture: camera or file on one input, photos scaled down before they are sent, a
// preview, an upload progress bar, and a clear message when the upload fails (the form, and what was typed, stay on the page).
// Loaded by the receipt pages (templates/expenses/_scripts.html); delegated from the
// document, so it works after htmx swaps a page.
(function () {
  "use strict";
  if (self.portalReceipts) return; // swapped in again by htmx: already listening
  self.portalReceipts = true;

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

  // Photos are sent at the size the server keeps (portal/uploads.py: 2000 px, JPEG at 85):
  // a 12 MP photo from a phone is 4 to 8 MB, a tenth of that once scaled down here, which
  // is what a slow connection has to carry. The server still checks and re-encodes it.
  var LONGEST_SIDE = 2000;
  var QUALITY = 0.85;

  function downscaled(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !self.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var pen = canvas.getContext("2d");
      pen.fillStyle = "#fff"; // a transparent PNG gets white, not JPEG's black
      pen.fillRect(0, 0, canvas.width, canvas.height);
      pen.imageSmoothingQuality = "high";
      pen.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    }).then(function (blob) {
      if (!blob || blob.size >= file.size) return file; // already small: sent as it is
      var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    }).catch(function () {
      return file; // a photo this browser cannot decode (HEIC): the server will
    });
  }

  // The input then holds the smaller photo, which htmx sends (or offline.js keeps).
  function replaceFile(input, file) {
    try {
      var chosen = new DataTransfer();
      chosen.items.add(file);
      input.files = chosen.files;
    } catch (error) {
      // No DataTransfer constructor (older browsers): the original photo is sent.
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = uploadForm(input);
    if (!form || input.type !== "file") return;
    var original = input.files && input.files[0];
    (original ? downscaled(original) : Promise.resolve(null)).then(function (file) {
      if (file && file !== original) replaceFile(input, file);
      chosen(form, input, file);
    });
  });

  function chosen(form, input, file) {
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
  }

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
