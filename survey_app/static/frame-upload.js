/* Upload a sampling frame with a progress bar (the plain form post works without this file). */
(function () {
  var form = document.getElementById("frame-upload");
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
      status.textContent = pct < 100 ? "Đang tải lên / uploading… " + pct + " %" : "Đang kiểm tra từng dòng / checking every row…";
    };
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (data && data.ok) { window.location = data.redirect; return; }
      status.textContent = "";
      box.hidden = true;
      document.getElementById("frame-result").innerHTML = data ? data.html : "<p class=error>Lỗi máy chủ / server error (" + xhr.status + ")</p>";
    };
    xhr.onerror = function () { status.textContent = "Mất kết nối / connection lost."; };
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.send(new FormData(form));
  });
})();
