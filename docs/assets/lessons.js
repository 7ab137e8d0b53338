// Material gives every code block an unlabeled <nav> for its copy button; landmarks need
// distinct names (axe-core: landmark-unique). With content.lazy a block's <nav> appears when the
// block first scrolls into view, so each is named as it appears, by its block's place on the page.
function nameCodeNavs() {
  var blocks = Array.prototype.slice.call(document.querySelectorAll("pre"));
  document.querySelectorAll("nav.md-code__nav:not([aria-label])").forEach(function (nav) {
    var place = blocks.indexOf(nav.closest("pre")) + 1;
    nav.setAttribute("aria-label", "Code block " + place + " actions");
  });
}
new MutationObserver(nameCodeNavs).observe(document.body, { childList: true, subtree: true });
document$.subscribe(nameCodeNavs);
