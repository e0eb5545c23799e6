// Buttons marked data-print open the browser's print dialog. The
// Content-Security-Policy forbids inline handlers, so the one behaviour the
// pages need beyond htmx lives here.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
