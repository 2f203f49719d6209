// The "Imprimer" buttons (`data-print`) open the browser's print dialog; without JavaScript the page
// says to use Ctrl + P, and the button stays hidden.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
