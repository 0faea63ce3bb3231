/* Tell the intranet this meeting has been seen, so next time it can say what changed since.
   Without JavaScript the "Mark everything here as seen" button does the same. */
(function () {
  "use strict";
  var form = document.getElementById("seen-form");
  if (!form || !window.fetch) { return; }
  window.addEventListener("load", function () {
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.dataset.csrf, "X-Requested-With": "fetch" }
    });
  });
})();
