// Material gives every code block an unlabeled <nav> for its copy button; landmarks need
// distinct names (axe-core: landmark-unique).
function nameCodeNavs() {
  document.querySelectorAll("nav.md-code__nav").forEach(function (nav, index) {
    nav.setAttribute("aria-label", "Code block " + (index + 1) + " actions");
  });
}
document$.subscribe(nameCodeNavs);
