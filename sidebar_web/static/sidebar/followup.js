// The follow-up box's character count as the person types. It counts as the server does (characters, not
// UTF-16 units, ends trimmed), so the number shown is the number checked; the server wrote the first one.
// Delegated from the document: htmx replaces the form after each send.
(function () {
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-count]")) return;
    var counter = document.getElementById(box.getAttribute("data-count"));
    if (!counter) return;
    var n = Array.from(box.value.trim()).length;
    counter.firstElementChild.textContent = String(n);
    counter.classList.toggle("over", n > Number(box.getAttribute("data-max")));
  });
})();
