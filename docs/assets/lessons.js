// Material gives every code block an unlabeled <nav> for its copy button; landmarks need
// distinct names (axe-core: landmark-unique). With content.lazy a block's <nav> appears when the
// block first scrolls into view, so each is named as it appears, by its block's place on the page.
// The observer looks only at the nodes each change adds: Material changes the page often at load.
function nameCodeNav(nav) {
  var blocks = Array.prototype.slice.call(document.querySelectorAll("pre"));
  nav.setAttribute("aria-label", "Code block " + (blocks.indexOf(nav.closest("pre")) + 1) +
    " actions");
}
function nameCodeNavsIn(node) {
  if (!(node instanceof Element)) return;
  if (node.matches("nav.md-code__nav:not([aria-label])")) nameCodeNav(node);
  else node.querySelectorAll("nav.md-code__nav:not([aria-label])").forEach(nameCodeNav);
}
new MutationObserver(function (records) {
  records.forEach(function (record) { record.addedNodes.forEach(nameCodeNavsIn); });
}).observe(document.body, { childList: true, subtree: true });
document$.subscribe(function () { nameCodeNavsIn(document.body); });

// The light/dark toggle (lessonkit/site/palette.py says why Material's own palette code is
// unplugged; a script in the header has already applied the reader's palette before the first
// paint).
// Here: show the button that switches away from the palette in use, apply and store a choice in
// Material's format, and follow the system setting while the reader has made no choice.
(function () {
  var form = document.querySelector("form[data-lessons-palette]");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[name='__palette']"));
  var KEYS = ["scheme", "primary", "accent"];
  function current() {
    var scheme = document.body.getAttribute("data-md-color-scheme");
    var found = inputs.findIndex(function (input) {
      return input.getAttribute("data-md-color-scheme") === scheme;
    });
    return Math.max(found, 0);
  }
  function meta(name) {
    var tag = document.querySelector("meta[name='" + name + "']");
    if (!tag) {
      tag = document.createElement("meta");
      tag.name = name;
      document.head.appendChild(tag);
    }
    return tag;
  }
  // The browser's own bar takes the header's colour. Reading it restyles whatever changed since
  // the last frame, the whole page before the first one: so it waits for a frame to be drawn,
  // then (at load, while Material is still busy) for the browser to be idle.
  var idle = window.requestIdleCallback || function (task) { setTimeout(task, 200); };
  function paintBrowserBar() {
    var header = document.querySelector("header.md-header");
    if (header) meta("theme-color").content = getComputedStyle(header).backgroundColor;
  }
  function onceDrawn(task) {
    requestAnimationFrame(function () { setTimeout(task); });
  }
  // A switch (not the first showing) recolours at once: Material's CSS turns transitions off
  // while <body> has data-md-color-switching, which is removed once the switch is drawn.
  function switchTo(index, store) {
    document.body.setAttribute("data-md-color-switching", "");
    show(index, store);
    onceDrawn(function () {
      document.body.removeAttribute("data-md-color-switching");
      paintBrowserBar();
    });
  }
  function show(index, store) {
    var input = inputs[index];
    KEYS.forEach(function (key) {
      var value = input.getAttribute("data-md-color-" + key);
      if (document.body.getAttribute("data-md-color-" + key) !== value)
        document.body.setAttribute("data-md-color-" + key, value);
    });
    inputs.forEach(function (other, place) {
      other.checked = place === index;
      var label = other.nextElementSibling;
      if (label instanceof HTMLElement) label.hidden = place !== index;
    });
    // Only on a change: a new color-scheme restyles the whole page (the first is set before
    // the first paint, by the script in the header).
    // __lessons_color_scheme is defined by the script in the header (lessonkit/site/palette.py).
    var scheme = __lessons_color_scheme(input.getAttribute("data-md-color-scheme"));
    if (meta("color-scheme").content !== scheme) meta("color-scheme").content = scheme;
    if (store) {
      var color = { media: input.getAttribute("data-md-color-media") };
      KEYS.forEach(function (key) { color[key] = input.getAttribute("data-md-color-" + key); });
      __md_set("__palette", { index: index, color: color });
    }
  }
  show(current(), false);
  onceDrawn(function () { idle(paintBrowserBar); });
  form.addEventListener("change", function (event) {
    var index = inputs.indexOf(event.target);
    if (index >= 0) switchTo(index, true);
  });
  // Enter on the focused option switches to the next palette, as in Material.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var next = (current() + 1) % inputs.length;
    inputs[next].click();
    inputs[next].focus();
  });
  // __lessons_palette (the header's, lessonkit/site/palette.py) reads the stored choice, or
  // null when there is none or it cannot be read.
  inputs.forEach(function (input, index) {
    var media = matchMedia(input.getAttribute("data-md-color-media"));
    media.addEventListener("change", function () {
      if (media.matches && !__lessons_palette()) switchTo(index, false);
    });
  });
})();

// A table wider than the column scrolls sideways in its own box (Material's scrollwrap). The
// edge it continues past is marked (data-lessons-more: "left", "right" or both), and lessons.css
// fades that edge out: the cue that more columns are there. A ResizeObserver marks each table
// once laid out (the page lays out a block only when it comes near the screen) and again when
// the screen's width changes; scrolling the table updates its mark.
(function () {
  function mark(wrap) {
    var more = [];
    if (wrap.scrollLeft > 1) more.push("left");
    if (wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1) more.push("right");
    var value = more.join(" ");
    if ((wrap.getAttribute("data-lessons-more") || "") === value) return;
    if (value) wrap.setAttribute("data-lessons-more", value);
    else wrap.removeAttribute("data-lessons-more");
  }
  var resized = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      mark(entry.target.closest(".md-typeset__scrollwrap"));
    });
  });
  document$.subscribe(function () {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      resized.observe(wrap);
      if (wrap.firstElementChild) resized.observe(wrap.firstElementChild);
      wrap.addEventListener("scroll", function () { mark(wrap); }, { passive: true });
    });
  });
})();
