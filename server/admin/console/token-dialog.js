// Asks for the admin token when the broker answers 401, in a modal form.

import { getToken, setToken } from './api.js';

export class TokenDialog {
  /** `onToken()` runs after a token is entered, to retry what was refused. */
  constructor({ dialog, form, error, onToken }) {
    Object.assign(this, { dialog, form, error, onToken });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = form.elements.token.value.trim();
      if (token === '') return;
      setToken(token);
      form.reset();
      dialog.close();
      onToken();
    });
    // Without a token nothing works: Escape must not leave an empty console.
    dialog.addEventListener('cancel', (e) => e.preventDefault());
  }

  ask() {
    if (this.dialog.open) return;
    const refused = getToken() !== null;
    this.error.hidden = !refused;
    this.error.textContent = refused ? 'The broker refused that token.' : '';
    this.dialog.showModal();
    this.form.elements.token.focus();
  }
}
