// The "update ready" notice, shared by the playground and the embed.

/**
 * Shows `box` (an element with a button inside, hidden until now) saying a new version is
 * ready; its button calls `apply`, which switches to the new version and reloads. Nothing
 * reloads on its own: a learner may be in the middle of a run.
 * @param {HTMLElement} box
 * @param {() => void} apply
 */
export function showUpdate(box, apply) {
  if (!box) return;
  const button = box.querySelector('button');
  button.onclick = () => {
    button.disabled = true;
    button.textContent = 'Updating…';
    apply();
  };
  box.hidden = false;
}
