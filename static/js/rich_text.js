/* Pasting into the rich-text editor (django-prose-editor): the editor keeps only what its schema
   allows (headings, lists, bold and italic, tables, links). This tells the co-ordinator what a
   paste lost, and refuses a paste too large to save. The server cleans again on save. */
(function () {
  "use strict";

  var KINDS = {
    script: "scripts", noscript: "scripts", style: "styles", link: "styles",
    img: "images", picture: "images", svg: "images", iframe: "embedded pages",
    object: "embedded objects", embed: "embedded objects", form: "forms", input: "forms",
    button: "forms", select: "forms", textarea: "forms"
  };
  var MAX_DEPTH = 30;

  function statusFor(editorElement) {
    var wrapper = editorElement.closest(".prose-editor") || editorElement;
    var next = wrapper.nextElementSibling;
    if (next && next.classList.contains("rich-text-status")) { return next; }
    var status = document.createElement("div");
    status.className = "rich-text-status small mt-1";
    status.setAttribute("role", "status");
    wrapper.insertAdjacentElement("afterend", status);
    return status;
  }

  function inventory(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = {};
    var deepest = 0;
    function visit(node, depth) {
      deepest = Math.max(deepest, depth);
      Array.prototype.forEach.call(node.children, function (child) {
        var tag = child.tagName.toLowerCase();
        if (KINDS[tag]) { found[KINDS[tag]] = true; }
        Array.prototype.forEach.call(child.attributes, function (attribute) {
          var name = attribute.name.toLowerCase();
          if (name.indexOf("on") === 0) { found["event handlers (on… attributes)"] = true; }
          if (name === "style") { found.styles = true; }
          if (name === "href" && /^\s*(javascript|vbscript|data):/i.test(attribute.value)) {
            found["unsafe links"] = true;
          }
        });
        visit(child, depth + 1);
      });
    }
    Array.prototype.forEach.call(doc.head.children, function (child) {
      var kind = KINDS[child.tagName.toLowerCase()];
      if (kind) { found[kind] = true; }
    });
    visit(doc.body, 0);
    if (deepest > MAX_DEPTH) { found["nesting deeper than " + MAX_DEPTH + " levels (flattened)"] = true; }
    return Object.keys(found).sort();
  }

  // The editable area gets the textarea's label as its name (and its help as description), so a
  // screen reader announces "Content, edit text" like the field it replaces.
  function label(editable) {
    if (editable.hasAttribute("aria-labelledby")) { return; }
    var wrapper = editable.closest(".prose-editor");
    var textarea = wrapper && wrapper.querySelector("textarea[id]");
    if (!textarea) { return; }
    var labelElement = document.querySelector('label[for="' + textarea.id + '"]');
    if (labelElement) {
      if (!labelElement.id) { labelElement.id = textarea.id + "-label"; }
      editable.setAttribute("aria-labelledby", labelElement.id);
      // The label points at the hidden textarea; a click on it goes to the editable area.
      labelElement.addEventListener("click", function (event) { event.preventDefault(); editable.focus(); });
    }
    var help = document.getElementById(textarea.id + "_helptext");
    if (help) { editable.setAttribute("aria-describedby", help.id); }
    editable.setAttribute("aria-multiline", "true");
  }
  function labelAll() {
    document.querySelectorAll(".ProseMirror[contenteditable]").forEach(label);
  }
  new MutationObserver(labelAll).observe(document.documentElement, { childList: true, subtree: true });

  // The toolbar greys out a command that cannot run now (undo with nothing to undo) with a class
  // only; aria-disabled tells a screen reader too, and exempts the greyed button from contrast
  // rules as an inactive control (WCAG 1.4.3).
  function markDisabled(button) {
    if (button.classList.contains("disabled") && !button.classList.contains("active")) {
      if (button.getAttribute("aria-disabled") !== "true") { button.setAttribute("aria-disabled", "true"); }
    } else if (button.hasAttribute("aria-disabled")) {
      button.removeAttribute("aria-disabled");
    }
  }
  function markAllDisabled() {
    document.querySelectorAll(".prose-menubar__button").forEach(markDisabled);
  }
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      if (mutation.type === "attributes" && mutation.target.classList.contains("prose-menubar__button")) {
        markDisabled(mutation.target);
      } else if (mutation.type === "childList" && mutation.addedNodes.length) {
        markAllDisabled();
      }
    });
  }).observe(document.documentElement, {
    attributes: true, attributeFilter: ["class"], childList: true, subtree: true
  });
  markAllDisabled();

  document.addEventListener("paste", function (event) {
    var target = event.target;
    var editable = target && target.closest && target.closest(".ProseMirror[contenteditable]");
    if (!editable || !event.clipboardData) { return; }
    var html = event.clipboardData.getData("text/html") || "";
    var text = event.clipboardData.getData("text/plain") || "";
    var wrapper = editable.closest(".prose-editor");
    var textarea = wrapper && wrapper.querySelector("textarea");
    var limit = parseInt((textarea && textarea.dataset.maxPaste) || "1200000", 10);
    var status = statusFor(editable);
    if (html.length > limit || text.length > limit) {
      event.preventDefault();
      event.stopImmediatePropagation();
      status.className = "rich-text-status small mt-1 alert alert-danger py-1";
      status.textContent = "That paste is too large (" + Math.round(Math.max(html.length, text.length) / 1000) +
        " thousand characters; the limit is " + Math.round(limit / 1000) + " thousand). Nothing was pasted: " +
        "paste a smaller part, or upload the document as a file.";
      return;
    }
    var removed = html ? inventory(html) : [];
    if (removed.length) {
      status.className = "rich-text-status small mt-1 alert alert-warning py-1";
      status.textContent = "Pasted. Removed from the paste: " + removed.join(", ") + ".";
    } else {
      status.className = "rich-text-status small mt-1";
      status.textContent = html ? "Pasted with its headings, lists, tables and links." : "";
    }
  }, true);
})();
