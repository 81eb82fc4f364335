/* Progressive enhancement of the survey form (it works without this file):
   - keeps what is typed on this page in localStorage for QR respondents, restored after a reload;
   - moves the focus to the error summary, whose links lead to each field in error;
   - sends the form with fetch and, when the network is gone, keeps retrying until it is back.
   The submission id in the form makes a retry harmless: the server answers it with the same receipt. */
(function () {
  "use strict";
  /* an error summary takes the focus, so screen readers read it and the keyboard starts there */
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  var form = document.querySelector("form.survey");
  if (!form) {
    if (document.querySelector(".receipt")) {
      try { var done = sessionStorage.getItem("par:pending"); if (done) localStorage.removeItem(done); } catch (e) {}
    }
    return;
  }
  var key = form.getAttribute("data-storage");
  var sid = form.getAttribute("data-sid");

  function values() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.charAt(0) === "_" || el.name === "csrf_token") return;
      if (el.type === "checkbox") { out[el.name] = out[el.name] || []; if (el.checked) out[el.name].push(el.value); }
      else if (el.type === "radio") { if (el.checked) out[el.name] = el.value; else if (!(el.name in out)) out[el.name] = ""; }
      else out[el.name] = el.value;
    });
    return out;
  }
  function store() {
    if (!key) return;
    try {
      var saved = JSON.parse(localStorage.getItem(key) || "null");
      if (!saved || saved.sid !== sid) saved = {sid: sid, answers: {}};
      var now = values();
      for (var name in now) saved.answers[name] = now[name];
      localStorage.setItem(key, JSON.stringify(saved));
    } catch (e) { /* storage full or disabled: the server draft still works */ }
  }
  function restore() {
    if (!key) return;
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return; }
    if (!saved || saved.sid !== sid) return;
    var current = values();
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name, value = saved.answers[name];
      if (!name || value === undefined || name.charAt(0) === "_") return;
      var empty = Array.isArray(current[name]) ? current[name].length === 0 : !current[name];
      if (!empty) return;  /* the server's draft wins over the local copy */
      if (el.type === "checkbox" || el.type === "radio") el.checked = [].concat(value).indexOf(el.value) >= 0;
      else el.value = value;
    });
  }
  restore();
  form.addEventListener("input", store);
  form.addEventListener("change", store);

  var notice = form.querySelector(".offline");
  var sending = false;
  function send(data) {
    fetch(form.action || location.href, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (reply) {
        if (reply.redirected && reply.url.split("#")[0] !== location.href.split("#")[0]) {
          location.replace(reply.url);
          return;
        }
        return reply.text().then(function (html) { document.open(); document.write(html); document.close(); });
      })
      .catch(function () {
        if (notice) notice.hidden = false;
        var retry = function () { window.removeEventListener("online", retry); clearTimeout(timer); send(data); };
        var timer = setTimeout(retry, 3000);
        window.addEventListener("online", retry);
      });
  }
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;  /* old browser: the plain form post works */
    event.preventDefault();
    if (sending) return;
    sending = true;
    store();
    var data = new FormData(form);
    var button = event.submitter;
    if (button && button.name) data.append(button.name, button.value);
    if (key) { try { sessionStorage.setItem("par:pending", key); } catch (e) {} }
    send(data);
  });
})();
