/* Tell the intranet this meeting has been seen, so next time it can say what changed since.
   Without JavaScript the "Mark everything here as seen" button does the same.
   The answer is read to the end (an unread response keeps the request in flight, so the page
   never finishes loading and cannot enter the back/forward cache); keepalive lets the request
   finish if the member leaves the page at once. */
(function () {
  "use strict";
  var form = document.getElementById("seen-form");
  if (!form || !window.fetch) { return; }
  window.addEventListener("load", function () {
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": form.dataset.csrf, "X-Requested-With": "fetch" }
    }).then(function (response) { return response.text(); }).catch(function () {});
  });
})();
