/**
 * The words, signs and request hints the math scanner reads prose and notation by: which words continue an
 * expression, which are units or variables, which signs end a span, how a number token is valued.
 */

/** How the scanner reads the request's notation. */
export interface ScanOptions {
  /** `*` is an operation the problem defines (`a * b = a^b + b`), not a multiplication. */
  customStar?: boolean;
}

const optionsByRequest = new WeakMap<object, { prompt: string; options: ScanOptions }>();

/** How to read the notation of a request's output, from its prompt (read once per request: `owner`). */
export function scanOptionsFor(owner: object, prompt: string): ScanOptions {
  const cached = optionsByRequest.get(owner);
  if (cached && cached.prompt === prompt) return cached.options;
  // The problem defines `*` as an operation of its own: `a * b = a^b + b`, `the operation $*$`.
  const customStar = /(?<![\w\\])[A-Za-z]\s*\*\s*[A-Za-z](?!\w)|\$\s*\*\s*\$|operation\s+\$?\*/.test(prompt);
  const options = { customStar };
  optionsByRequest.set(owner, { prompt, options });
  return options;
}

const words = (list: string) => new Set(list.split(" "));

/** Words after which a number continues an expression begun in words (`5 times 3 = 15`, `half of 10 = 5`). */
export const OPERATOR_WORDS = words(
  "times plus minus by of and or over divided multiplied into per from less more than twice double triple " +
    "thrice half third thirds quarter quarters fourth fifth tenth squared cubed sqrt root power add added adding " +
    "subtract subtracted subtracting sum product quotient difference mod modulo choose factorial to at on after " +
    "with without multiply divide another extra each every base log ln sin cos tan exp",
);

/**
 * Words that continue the expression before them (`48 cos C`, `3^4 = 81 = 1 mod 5`, `5 times 2`): the side they
 * follow is cut off, so it is not judged.
 */
export const CONTINUING_WORDS = words(
  "times plus minus over divided multiplied squared cubed mod modulo choose factorial cos sin tan cot sec csc " +
    "log ln exp sqrt root power",
);

/** Unit words that may sit after a number inside an expression (`5 kg + 3 kg = 8 kg`). */
export const UNITS = words(
  "kg kgs mg lb lbs pound pounds oz ounce ounces ton tons km cm mm mi mile miles ft foot feet inch inches yd " +
    "yard yards meter meters metre metres liter liters litre litres ml gallon gallons hr hrs hour hours min mins " +
    "minute minutes sec secs second seconds day days week weeks month months year years dollar dollars cent " +
    "cents euro euros usd mph kmh",
);

export const APPROX_WORDS = words("about approximately approx roughly around nearly almost");
export const SAFE_OTHER = new Set(['"', "`", "“", "”", "‘", "’", "—", "|", "&", "#", "*", "•", "→"]);
/**
 * Currency signs. A unit word or degree sign after a number replaces one: in `$5\text{ cm}$` the `$` opens a
 * formula.
 */
export const CURRENCIES = new Set(["$", "€", "£", "¥", "₹"]);
/** Signs of operations the scanner cannot read: the side they touch is not judged. */
export const CUTTING_OTHER = new Set([..."⌊⌋⌈⌉√∛∜∑∏∫±∓∘∗⋆⊕⊗⊙∆∇~@\\"]);
/** Short words that are prose, not variables. */
const PROSE_SHORT = words(
  "a A I am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we OK US TV AM PM",
);

const isUpper = (code: number) => code >= 65 && code <= 90;
const isLower = (code: number) => code >= 97 && code <= 122;

/** A word that reads as a variable or a point name (`x`, `AB`, `ab`, `PQR`), not as prose. */
export function variableLike(word: string): boolean {
  if (word.length > 3 || PROSE_SHORT.has(word)) return false;
  if (word.length === 1) return true;
  const a = word.charCodeAt(0);
  const b = word.charCodeAt(1);
  if (word.length === 2) return (isLower(a) && isLower(b)) || (isUpper(a) && isUpper(b));
  return isUpper(a) && isUpper(b) && isUpper(word.charCodeAt(2));
}

/** A span's text without the spaces around it and the brackets it ends on. */
export function trimSpanText(text: string): string {
  let end = text.length;
  for (; end > 0; end -= 1) {
    const code = text.charCodeAt(end - 1);
    // space, tab, newline, ( [ {
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13 && code !== 40 && code !== 91 && code !== 123) break;
  }
  let start = 0;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start += 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** The value of a number token: `1,234`, `10{,}000`, `3,\!744` and `10\,000` drop their separators. */
export function numberValue(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 48 || code > 57) && code !== 46) return Number(text.replace(/[^\d.]/g, ""));
  }
  return Number(text);
}

/** Operators written with other signs. */
export const OP_ALIASES = new Map([
  ["×", "*"],
  ["·", "*"],
  ["÷", "/"],
  ["−", "-"],
]);
