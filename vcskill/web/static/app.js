// The verification page's only script (served from the package; the CSP allows no other).
// It previews the chosen photo and sends the form at once (the page says so beforehand), shows
// that it is busy, and moves the focus to a verdict or an error; without it the form still
// works.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A verdict or an error heads the page: screen readers and keyboards start there.
  var heading = document.querySelector("#verdict h1, #verdict h2");
  if (heading) {
    if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
    heading.focus();
  }
  var form = document.getElementById("verify-form");
  if (!form) { return; }
  var preview = document.getElementById("preview");
  var message = document.getElementById("client-message");
  var maxBytes = parseInt(form.getAttribute("data-max-image") || "0", 10);
  var inputs = form.querySelectorAll("input[type=file]");

  function say(text) {
    if (message) { message.textContent = text; message.hidden = !text; }
  }

  function busy() {
    form.classList.add("busy");
    form.setAttribute("aria-busy", "true");
    var submit = document.getElementById("submit");
    if (submit) { submit.textContent = form.getAttribute("data-busy") || submit.textContent; }
    say(form.getAttribute("data-busy") || "");  // announced: the message is an alert
  }

  function send() {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();  // fires "submit", which shows the busy state
    } else {
      busy();
      form.submit();
    }
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
  form.addEventListener("submit", busy);
  // Back from the verdict (the browser may restore this page as it was): usable again.
  window.addEventListener("pageshow", function () {
    form.classList.remove("busy");
    form.removeAttribute("aria-busy");
  });
});
