/**
 * What the math scanner makes of each LaTeX command. Anything not listed is `opaque`: a function, a variable, a
 * symbol or an operation the scanner cannot evaluate (`\cos`, `\pi`, `\lfloor`, `\pmod`, `\ast`, `\overline`),
 * so the side it touches is never judged.
 */
export type CommandRole =
  /** Spacing, sizing and delimiters that change nothing: `\,`, `\left`, `\displaystyle`, `\(`. */
  | "ignore"
  /** A multiplication or division sign. */
  | "times"
  | "divide"
  | "frac"
  | "binom"
  | "sqrt"
  /** Prose in braces (`\text{ cm}`): the braces are dropped, the words inside read as prose. */
  | "text"
  /** Ends a side cleanly and starts a fresh expression: `\quad`, `\\`, `\implies`, `\end`. */
  | "break"
  /** A relation that ends a side cleanly; what follows it continues the relation: `\le`, `\equiv`, `\in`. */
  | "relation"
  | "approx"
  | "percent"
  | "dollar"
  /** `^\circ`, `\degree`. */
  | "degree"
  | "opaque";

const ROLES = new Map<string, CommandRole>();
function assign(role: CommandRole, names: string) {
  for (const name of names.split(" ")) ROLES.set(name, role);
}

assign(
  "ignore",
  "\\left \\right \\, \\; \\! \\: \\boxed \\fbox \\displaystyle \\textstyle \\big \\Big \\bigg " +
    "\\Bigg \\bigl \\bigr \\Bigl \\Bigr \\biggl \\biggr \\Biggl \\Biggr \\middle",
);
ROLES.set("\\ ", "ignore");
assign("times", "\\times \\cdot");
assign("divide", "\\div");
assign("frac", "\\frac \\dfrac \\tfrac \\cfrac");
assign("binom", "\\binom \\dbinom \\tbinom");
assign("sqrt", "\\sqrt");
assign("text", "\\text \\textbf \\textit \\textrm \\textnormal \\mathrm \\mbox \\emph \\textsf \\texttt");
assign(
  "break",
  "\\\\ \\( \\) \\[ \\] \\quad \\qquad \\implies \\impliedby \\Rightarrow \\Longrightarrow \\rightarrow \\longrightarrow \\to " +
    "\\iff \\Leftrightarrow \\Longleftrightarrow \\end \\begin \\hspace \\vspace \\newline \\label \\tag \\notag " +
    "\\nonumber \\hline \\cr \\par \\noindent \\medskip \\bigskip \\smallskip \\item \\checkmark \\therefore " +
    "\\because",
);
assign(
  "relation",
  "\\le \\leq \\ge \\geq \\lt \\gt \\ne \\neq \\leqslant \\geqslant \\ll \\gg \\in \\notin \\equiv \\sim " +
    "\\simeq \\cong \\propto \\subset \\subseteq \\supset \\supseteq \\mid \\nmid \\parallel \\perp",
);
assign("approx", "\\approx");
assign("percent", "\\%");
assign("dollar", "\\$");
assign("degree", "\\degree \\circ");

/** The role of a LaTeX command (`\frac`, `\,`) in an expression. */
export function commandRole(name: string): CommandRole {
  return ROLES.get(name) ?? "opaque";
}
