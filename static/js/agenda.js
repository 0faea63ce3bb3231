/* Agenda editor: drag and drop reordering with SortableJS. The Move/Indent buttons in each row
   do the same without a mouse or without JavaScript (WCAG 2.2, 2.5.7). */
(function () {
  "use strict";
  var editor = document.getElementById("agenda-editor");
  if (!editor || typeof Sortable === "undefined") { return; }
  var status = document.getElementById("reorder-status");

  function tree() {
    var rows = [];
    editor.querySelectorAll("li[data-item-id]").forEach(function (li) {
      var parentLi = li.parentElement.closest("li[data-item-id]");
      rows.push([parseInt(li.dataset.itemId, 10), parentLi ? parseInt(parentLi.dataset.itemId, 10) : null]);
    });
    return rows;
  }

  function save() {
    status.textContent = "Saving the new order…";
    fetch(editor.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": editor.dataset.csrf },
      body: JSON.stringify({ version: parseInt(editor.dataset.version, 10), tree: tree() })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        status.textContent = "New order saved.";
      } else {
        status.textContent = result.data.message || "The new order could not be saved.";
      }
      window.setTimeout(function () { window.location.reload(); }, result.ok ? 200 : 2500);
    }).catch(function () {
      status.textContent = "The new order could not be saved; please reload the page.";
    });
  }

  editor.querySelectorAll("ol.sortable-list").forEach(function (list) {
    Sortable.create(list, {
      group: "agenda",
      handle: ".drag-handle",
      forceFallback: true,
      animation: 120,
      fallbackOnBody: true,
      swapThreshold: 0.65,
      emptyInsertThreshold: 8,
      onEnd: save
    });
  });
})();
