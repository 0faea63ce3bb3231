/* Agenda editor. htmx (vendored) swaps the workspace in place after each change, so the page
   never reloads; every link and form in it works without JavaScript too.
   Here: drag and drop reordering with SortableJS (the Move/Indent buttons do the same without a
   mouse, WCAG 2.2 2.5.7), and a PDF or Word file dropped on an item becomes that item's paper. */
(function () {
  "use strict";

  function editor() { return document.getElementById("agenda-editor"); }
  function csrf() {
    var headers = JSON.parse(document.body.getAttribute("data-hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }
  function say(text) {
    var status = document.getElementById("reorder-status");
    if (status) { status.textContent = text; }
  }
  function swapWorkspace(html) {
    if (window.htmx) {
      htmx.swap("#workspace", html, { swapStyle: "outerHTML" }, { select: "#workspace" });
    } else {
      window.location.reload();
    }
  }
  function refresh() {
    var root = editor();
    return fetch(root.dataset.editorUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.text(); })
      .then(swapWorkspace);
  }

  function tree(root) {
    var rows = [];
    root.querySelectorAll("li[data-item-id]").forEach(function (li) {
      var parentLi = li.parentElement.closest("li[data-item-id]");
      rows.push([parseInt(li.dataset.itemId, 10), parentLi ? parseInt(parentLi.dataset.itemId, 10) : null]);
    });
    return rows;
  }

  function saveOrder() {
    var root = editor();
    say("Saving the new order…");
    fetch(root.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ version: parseInt(root.dataset.version, 10), tree: tree(root) })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      var message = result.ok ? "New order saved." : (result.data.message || "The new order could not be saved.");
      if (!result.ok) { say(message); }
      // The workspace is fetched again (new version, numbers and letters); only then is the
      // outcome announced, so nothing is clicked on a page that is about to be replaced.
      window.setTimeout(function () {
        refresh().then(function () { say(message); });
      }, result.ok ? 0 : 1500);
    }).catch(function () {
      say("The new order could not be saved; please reload the page.");
    });
  }

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  function dropPaper(li, file) {
    var data = new FormData();
    data.append("paper-title", li.dataset.title);
    data.append("paper-upload", file, file.name);
    data.append("paper-meeting_version", editor().dataset.version);
    say("Attaching " + file.name + " to “" + li.dataset.title + "”…");
    fetch(li.dataset.paperUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "HX-Request": "true" },
      body: data
    }).then(function (response) { return response.text(); })
      .then(swapWorkspace)
      .catch(function () { say("The file could not be attached; please try again."); });
  }

  function setUp(scope) {
    var root = editor();
    if (!root || !scope.contains(root)) { return; }
    if (typeof Sortable !== "undefined") {
      root.querySelectorAll("ol.sortable-list").forEach(function (list) {
        Sortable.create(list, {
          group: "agenda",
          handle: ".drag-handle",
          draggable: "li.editor-item",
          forceFallback: true,
          animation: 120,
          fallbackOnBody: true,
          swapThreshold: 0.65,
          emptyInsertThreshold: 8,
          onEnd: saveOrder
        });
      });
    }
    root.querySelectorAll("li[data-item-id]").forEach(function (li) {
      var row = li.querySelector(":scope > .editor-row");
      if (!row) { return; }
      row.addEventListener("dragover", function (event) {
        if (!hasFiles(event)) { return; }
        event.preventDefault();
        row.classList.add("drop-target");
      });
      row.addEventListener("dragleave", function () { row.classList.remove("drop-target"); });
      row.addEventListener("drop", function (event) {
        if (!hasFiles(event)) { return; }
        event.preventDefault();
        row.classList.remove("drop-target");
        dropPaper(li, event.dataTransfer.files[0]);
      });
    });
  }

  // A file dropped beside the rows must not make the browser leave the editor to show it.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) { if (hasFiles(event)) { event.preventDefault(); } });
  });

  if (window.htmx) {
    htmx.onLoad(function (element) { setUp(element); });
  } else {
    setUp(document.body);
  }
})();
