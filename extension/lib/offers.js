/*
 * A partner's offers as the shopper reads them ("up to 5 %", "150 RUB"),
 * best first as the index lists them. Pure: the caller passes `t`, the
 * message lookup (i18n.getMessage in the extension), so the prompt and the
 * popup show the very same words and node can test them.
 */

const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * [{program, programName, rate}] for the offers of one partner in the index;
 * an offer without a readable rate is left out rather than shown wrong.
 */
export function describeOffers(offers, t) {
  if (!Array.isArray(offers)) {
    return [];
  }
  return offers.flatMap((offer) => {
    const rate = describeRate(offer, t);
    return rate === null || typeof offer.program !== "string"
      ? []
      : [{ program: offer.program, programName: String(offer.program_name ?? offer.program), rate }];
  });
}

function describeRate(offer, t) {
  const upTo = offer?.up_to === true;
  const percent = decimalText(offer?.rate_percent, t);
  if (percent !== null) {
    return t(upTo ? "offerPercentUpTo" : "offerPercent", [percent]);
  }
  const amount = decimalText(offer?.fixed_amount, t);
  if (amount !== null && typeof offer.currency === "string") {
    return t(upTo ? "offerFixedUpTo" : "offerFixed", [amount, offer.currency]);
  }
  return null;
}

/**
 * A decimal (a string like "3.4", or a JSON number) with the translation's
 * decimal mark, never passing through a float; null if it is no decimal.
 */
export function decimalText(value, t) {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL.test(text)) {
    return null;
  }
  return text.replace(".", t("decimalMark"));
}
