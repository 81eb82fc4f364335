/* Follow a background export's progress (the page refreshes itself without this file). */
(function () {
  var box = document.getElementById("export-job"), bar = box.querySelector(".progress");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (s) {
        bar.setAttribute("aria-valuenow", s.percent);
        bar.firstElementChild.style.width = s.percent + "%";
        if (s.status === "queued" || s.status === "running") {
          document.getElementById("export-state").textContent = s.percent + "%";
          setTimeout(poll, 1000);
        } else { window.location.reload(); }
      }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
