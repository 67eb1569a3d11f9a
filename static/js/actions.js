// Small page actions bound here rather than in inline handlers (the CSP allows no inline code):
// data-print prints the page, data-select-on-focus selects a read-only field's text.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("focusin", (event) => {
  const field = event.target.closest("[data-select-on-focus]");
  if (field) field.select();
});
