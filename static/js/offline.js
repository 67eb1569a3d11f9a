/* Installable and usable offline: register the service worker; on a saved copy of a page
   (served by it while offline), say when it was saved. */
(function () {
  "use strict";
  var saved = document.documentElement.dataset.savedAt;
  var note = document.getElementById("offline-note");
  if (saved && note) {
    var at = new Date(saved);
    var time = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
    if (at.toDateString() !== new Date().toDateString()) {  // saved another day: say which
      time = (at.getMonth() + 1) + "-" + ("0" + at.getDate()).slice(-2) + " " + time;
    }
    var instead = document.documentElement.dataset.savedInstead;
    note.textContent = (instead ? note.dataset.textInstead : note.dataset.text).replace("{time}", time);
    note.hidden = false;
  }
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.dataset.worker, { scope: "/" }).catch(function () {});
  });
})();
