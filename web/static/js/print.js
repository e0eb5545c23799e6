// Buttons marked data-print open the browser's print dialog. The
// Content-Security-Policy forbids inline handlers, so the one behaviour the
// pages need beyond htmx lives here.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// The tables behind the dashboard's charts print even when left closed; the
// stylesheet does this too where the browser lets it (::details-content).
let openedForPrint = [];
window.addEventListener("beforeprint", () => {
  openedForPrint = [...document.querySelectorAll("details.chart-data:not([open])")];
  openedForPrint.forEach((details) => { details.open = true; });
});
window.addEventListener("afterprint", () => {
  openedForPrint.forEach((details) => { details.open = false; });
  openedForPrint = [];
});
