/* Upload a sampling frame with a progress bar (the plain form post works without this file).
   The words come from the form's data attributes, in the page's language. */
(function () {
  var form = document.getElementById("frame-upload");
  var say = form.dataset;
  if (!window.XMLHttpRequest || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = document.getElementById("upload-progress"), bar = box.querySelector("span"),
        meter = box.querySelector("[role=progressbar]"), status = document.getElementById("upload-status");
    var xhr = new XMLHttpRequest();
    box.hidden = false;
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round(100 * e.loaded / e.total);
      bar.style.width = pct + "%"; meter.setAttribute("aria-valuenow", pct);
      status.textContent = pct < 100 ? say.uploading + " " + pct + " %" : say.checking;
    };
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (data && data.ok) { window.location = data.redirect; return; }
      status.textContent = "";
      box.hidden = true;
      document.getElementById("frame-result").innerHTML = data ? data.html : "<p class=error></p>";
      if (!data) document.querySelector("#frame-result .error").textContent = say.serverError + " (" + xhr.status + ")";
    };
    xhr.onerror = function () { status.textContent = say.lost; };
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.send(new FormData(form));
  });
})();
