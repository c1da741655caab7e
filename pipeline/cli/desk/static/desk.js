// The desk's only script: files dropped on the drop zone go into its form, and the run page follows the run.
// Without it every action still works by its form (choose files, press the button; the run page refreshes).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const drop = document.getElementById("drop");
  if (drop) {
    const input = drop.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        drop.requestSubmit();
      }
    });
  }
  const running = document.getElementById("running");
  if (running) {
    const message = document.getElementById("run-message");
    const bar = document.getElementById("run-bar");
    const follow = async () => {
      try {
        const answer = await fetch(running.dataset.progress, { credentials: "same-origin" });
        const state = await answer.json();
        if (state.finished) { window.location.reload(); return; }
        message.textContent = state.message;
        if (state.total) { bar.max = state.total; bar.value = state.done; }
      } catch (error) { /* the desk was closed: the page stays as it is */ return; }
      window.setTimeout(follow, 400);
    };
    window.setTimeout(follow, 300);
  }
});
