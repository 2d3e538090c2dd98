/* 执监 page behaviour: no inline scripts (CSP). Chromium >= 86, plain ES2017. */
(function () {
  "use strict";

  // A form is submitted once: the submit button is disabled after the first click, so a double
  // click cannot post twice (services also refuse a repeated transition).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    // A disabled button is left out of the posted data, so carry the clicked button's
    // name=value (e.g. action=save) in a hidden field, and disable only after dispatch.
    var submitter = event.submitter;
    var old = form.querySelectorAll("input[data-carry]");
    for (var k = 0; k < old.length; k++) { old[k].remove(); }
    if (submitter && submitter.name) {
      var carry = document.createElement("input");
      carry.setAttribute("data-carry", "1");
      carry.type = "hidden";
      carry.name = submitter.name;
      carry.value = submitter.value;
      form.appendChild(carry);
    }
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    window.setTimeout(function () {
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
    window.setTimeout(function () {
      form.dataset.submitted = "";
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
    }, 8000);
  });

  // Confirmation for dangerous actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  // Holiday arrangement: add one entry from the small form to the pasted list.
  var adder = document.querySelector("[data-arrangement-adder]");
  if (adder) {
    document.getElementById("add-entry").addEventListener("click", function () {
      var from = document.getElementById("add-from").value;
      var to = document.getElementById("add-to").value;
      var kind = document.getElementById("add-kind").value;
      var name = document.getElementById("add-name").value.trim();
      if (!from) { document.getElementById("add-from").focus(); return; }
      var line = (to && to !== from ? from + "~" + to : from) + " " + kind + (name ? " " + name : "");
      var text = document.getElementById(adder.getAttribute("data-target"));
      text.value = (text.value.replace(/\s+$/, "") + "\n" + line).replace(/^\n/, "");
      document.getElementById("add-to").value = "";
    });
  }

  // Session inactivity warning: two minutes before the session expires, offer to continue.
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-session-minutes") || "0", 10);
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  if (minutes > 0 && keepaliveUrl) {
    var deadline = Date.now() + minutes * 60000;
    var box = document.getElementById("session-warning");
    var left = document.getElementById("session-left");
    var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
    var tick = function () {
      var ms = deadline - Date.now();
      if (ms <= 0) { window.location.reload(); return; }
      if (ms <= 120000) {
        box.classList.remove("d-none");
        left.textContent = Math.ceil(ms / 1000) + " 秒";
      }
    };
    window.setInterval(tick, 1000);
    document.getElementById("session-keepalive").addEventListener("click", function () {
      fetch(keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then(function (r) { if (r.ok) { deadline = Date.now() + minutes * 60000; box.classList.add("d-none"); } else { window.location.reload(); } });
    });
  }
})();
