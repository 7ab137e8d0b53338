// Material gives every code block an unlabeled <nav> for its copy button; landmarks need
// distinct names (axe-core: landmark-unique).
function nameCodeNavs() {
  document.querySelectorAll("nav.md-code__nav").forEach(function (nav, index) {
    nav.setAttribute("aria-label", "Code block " + (index + 1) + " actions");
  });
}
document$.subscribe(nameCodeNavs);

// A folded block keeps its content in a <template> until the reader first opens it
// (lessonkit/codehtml.py): the page then costs its folded code nothing until it is read.
// Opening moves the content in and gives its code blocks the copy button Material gives the
// others (Material's clipboard handler listens on the whole document, so the button works).
var foldedCodeCount = 0;
document.addEventListener("toggle", function (event) {
  var details = event.target;
  if (!(details instanceof HTMLDetailsElement) || !details.open) return;
  var template = details.querySelector(":scope > template.lesson-folded");
  if (!template) return;
  template.replaceWith(template.content);
  details.querySelectorAll("div.highlight > pre").forEach(function (pre) {
    if (pre.querySelector(":scope > nav.md-code__nav")) return;
    pre.id = pre.id || "__code_folded_" + foldedCodeCount++;
    var nav = document.createElement("nav");
    nav.className = "md-code__nav";
    var button = document.createElement("button");
    button.className = "md-code__button";
    button.title = "Copy to clipboard";
    button.setAttribute("data-clipboard-target", "#" + pre.id + " > code");
    button.setAttribute("data-md-type", "copy");
    nav.appendChild(button);
    pre.insertBefore(nav, pre.querySelector(":scope > code"));
  });
  nameCodeNavs();
}, true);
