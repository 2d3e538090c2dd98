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

  // Session inactivity warning. Two minutes before the session expires, offer to continue.
  // Typing counts as activity (a keep-alive at most every 5 minutes). When the timer runs out,
  // ask the server before doing anything: the session may have been kept alive in another tab.
  // If it really expired, say so — never reload a page the user has typed into.
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-session-minutes") || "0", 10);
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  if (minutes > 0 && keepaliveUrl) {
    var deadline = Date.now() + minutes * 60000;
    var lastPing = Date.now();
    var expired = false;
    var box = document.getElementById("session-warning");
    var left = document.getElementById("session-left");
    var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
    var ping = function (onFail) {
      lastPing = Date.now();
      return fetch(keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin", redirect: "manual" })
        .then(function (r) {
          if (r.status === 204) { deadline = Date.now() + minutes * 60000; box.classList.add("d-none"); }
          else if (onFail) { onFail(); }
        })
        .catch(function () { if (onFail) { onFail(); } });
    };
    var showExpired = function () {
      expired = true;
      box.classList.remove("d-none");
      box.classList.replace("alert-warning", "alert-danger");
      box.textContent = "登录已超时。请先把已填写的内容复制保存，再刷新页面重新登录。";
    };
    window.setInterval(function () {
      if (expired) { return; }
      var ms = deadline - Date.now();
      if (ms <= 0) { ping(showExpired); deadline = Date.now() + 15000; return; }
      if (ms <= 120000) {
        box.classList.remove("d-none");
        left.textContent = Math.ceil(ms / 1000) + " 秒";
      }
    }, 1000);
    document.getElementById("session-keepalive").addEventListener("click", function () { ping(showExpired); });
    document.addEventListener("input", function () {
      if (!expired && Date.now() - lastPing > 5 * 60000) { ping(null); }
    });
  }
})();
