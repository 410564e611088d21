/*
 * Fills an extension page's static text in the shopper's language: an
 * element's data-i18n attribute names the message that becomes its text,
 * data-i18n-placeholder the one that becomes its placeholder. The pages hold
 * no text of their own, so a missing translation shows up as an empty
 * element, not as silent English.
 */
import { webext } from "../js/webext.js";

export const t = (key, substitutions) => webext.i18n.getMessage(key, substitutions);

/**
 * The language the texts are shown in ("en", "ru"), named by the translation
 * itself: the browser's UI locale can differ from the translation it picked,
 * and a date must read in the language of the sentence around it.
 */
export const uiLocale = t("languageTag");

export function localizePage() {
  document.documentElement.lang = uiLocale;
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
}

/** A request to the background (js/messages.js); a failure comes back as {error}. */
export async function ask(request) {
  try {
    return (await webext.runtime.sendMessage(request)) ?? { error: { message: t("statusError") } };
  } catch {
    return { error: { message: t("statusError") } };
  }
}
