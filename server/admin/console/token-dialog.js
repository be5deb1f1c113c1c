// @ts-check
// Asks for the admin token when the broker answers 401, in a modal form.

import { getToken, setToken } from './api.js';
import { formField } from './dom.js';

/**
 * @typedef {object} TokenDialogOptions
 * @property {HTMLDialogElement} dialog
 * @property {HTMLFormElement} form holds a `token` input
 * @property {HTMLElement} error where a refused token is reported
 * @property {() => void} onToken runs after a token is entered, to retry what was refused
 */

export class TokenDialog {
  /** @param {TokenDialogOptions} options */
  constructor({ dialog, form, error, onToken }) {
    this.dialog = dialog;
    this.error = error;
    this.input = formField(form, 'token');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = this.input.value.trim();
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
    this.input.focus();
  }
}
