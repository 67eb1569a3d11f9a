/* Large imports on a slow line: show how much of the file has gone up, then that the server
   is checking it (a large file: go to the page that shows the check's progress). Without this
   script the form posts as usual. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var bar = form.querySelector("progress");
  var label = form.querySelector("[data-upload-status]");
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files.length) return; // let the server say what is missing
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    bar.hidden = false;
    request.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
        label.textContent = form.dataset.sending + " " + Math.round((100 * e.loaded) / e.total) + "%";
      }
    };
    request.upload.onload = function () {
      bar.removeAttribute("value"); // indeterminate while the server reads the rows
      label.textContent = form.dataset.checking;
    };
    request.onload = function () {
      if (request.responseURL && request.responseURL.indexOf("/import/jobs/") !== -1) {
        // a large file: the server checks it in the background on a page of its own
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    };
    request.onerror = function () {
      label.textContent = form.dataset.failed;
      bar.hidden = true;
    };
    request.send(new FormData(form));
  });
})();
