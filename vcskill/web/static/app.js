// The verification page's only script (served from the package; the CSP allows no other).
// It previews the chosen photo and sends the form at once; without it the form still works.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("verify-form");
  if (!form) { return; }
  var preview = document.getElementById("preview");
  var message = document.getElementById("client-message");
  var maxBytes = parseInt(form.getAttribute("data-max-image") || "0", 10);
  var inputs = form.querySelectorAll("input[type=file]");

  function say(text) {
    if (message) { message.textContent = text; message.hidden = !text; }
  }

  function send() {
    form.classList.add("busy");
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      Array.prototype.forEach.call(inputs, function (other) {
        if (other !== input) { other.value = ""; }
      });
      if (maxBytes && file.size > maxBytes) {
        input.value = "";
        say(form.getAttribute("data-too-large") || "");
        return;
      }
      say("");
      if (preview && window.URL && URL.createObjectURL) {
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      }
      send();
    });
  });
  form.addEventListener("submit", function () { form.classList.add("busy"); });
});
