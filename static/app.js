// Tisser: the little that htmx and HTML cannot do. Every page works without this file.
"use strict";

// A report form opened in place ("Signaler"): Escape closes it and gives the focus back to the
// link that opened it, as a dialog would.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const slot = event.target.closest(".report-slot");
  if (!slot || !slot.querySelector(".report-form")) return;
  event.preventDefault();
  slot.replaceChildren();
  const opener = document.querySelector(`.report-link[hx-target="#${CSS.escape(slot.id)}"]`);
  if (opener) opener.focus();
});
