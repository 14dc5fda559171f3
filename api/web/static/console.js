// Progressive enhancement of the reply box: picking a template fetches it rendered for
// this ticket and puts it in the message (when the message is empty or still holds the
// previous template), and the preview follows what is typed. Without scripts the
// "Preview" button does the same on the server.
(function () {
  "use strict";
  var form = document.getElementById("reply-form");
  if (!form) {
    return;
  }
  var picker = document.getElementById("f-template");
  var body = document.getElementById("f-body");
  var preview = document.getElementById("preview");
  var previewBody = document.getElementById("preview-body");
  var inserted = null;

  function showPreview(text) {
    previewBody.textContent = text;
    preview.hidden = !text;
  }

  body.addEventListener("input", function () {
    showPreview(body.value);
  });

  picker.addEventListener("change", function () {
    if (!picker.value) {
      return;
    }
    var url = form.getAttribute("data-preview-url") + "?template=" + encodeURIComponent(picker.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.error) {
          showPreview("");
          picker.setCustomValidity(answer.error);
          picker.reportValidity();
          return;
        }
        picker.setCustomValidity("");
        if (!body.value.trim() || body.value === inserted) {
          body.value = answer.body;
          inserted = answer.body;
        }
        showPreview(body.value);
      })
      .catch(function () { /* the Preview button still works */ });
  });
})();
